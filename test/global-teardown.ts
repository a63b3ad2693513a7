interface Stoppable {
  stop(): Promise<void>;
}

export default async function globalTeardown(): Promise<void> {
  const services = (globalThis as Record<string, unknown>).__creditsTestServices as { postgres: Stoppable; temporal: Stoppable; stripeMock?: Stoppable } | undefined;
  if (!services) return;
  await Promise.allSettled([services.temporal.stop(), services.postgres.stop(), services.stripeMock?.stop()]);
}
