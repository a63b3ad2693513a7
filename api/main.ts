import type { Server } from 'node:http';
import { loadConfig } from '../platform/config';
import { createPrismaClient, warmPool } from '../platform/database';
import { systemClock } from '../platform/clock';
import { applyLedgerSettings } from '../domain/ledger/ledger-settings';
import { createLogger } from '../platform/logger';
import { createCreditsApp } from './app';
import { answerClientErrorsAsJson } from './http/client-error';
import { connectTemporalClient } from '../platform/temporal-connection';

// In-flight requests get this long to finish after SIGTERM before the process exits anyway.
const SHUTDOWN_GRACE_MS = 15_000;

/** The API process: serves the app and owns signals and shutdown. */
async function main(): Promise<void> {
  const config = loadConfig();
  if (!config.DATABASE_URL) throw new Error('DATABASE_URL is required for the API');
  const prisma = createPrismaClient({ databaseUrl: config.DATABASE_URL, poolSize: config.DATABASE_POOL_SIZE, connectTimeoutMs: config.DATABASE_CONNECT_TIMEOUT_MS });
  await applyLedgerSettings(prisma, { lowCreditNotifyBelowCredits: config.LOW_CREDIT_NOTIFY_THRESHOLD, lowCreditWarnBelowCredits: config.LOW_CREDIT_WARNING_THRESHOLD });
  await warmPool(prisma, config.DATABASE_POOL_SIZE);
  const temporal = await connectTemporalClient({ address: config.TEMPORAL_ADDRESS, namespace: config.TEMPORAL_NAMESPACE });
  const logger = createLogger('api', config.LOG_LEVEL);
  const { app, close: closeApp } = createCreditsApp({ config, prisma, temporal, clock: systemClock, logger });
  const server = app.listen(config.API_PORT, config.API_HOST, () => {
    logger.info(`api: listening on http://${config.API_HOST}:${config.API_PORT}`);
  });
  answerClientErrorsAsJson(server);
  const shutdown = async (signal: string) => {
    logger.info(`api: ${signal} received, draining`);
    // Event streams never end on their own: end them first (clients reconnect elsewhere) so the
    // server can close once the ordinary requests in flight are answered.
    await closeApp();
    await closeServer(server);
    await temporal.connection.close();
    await prisma.$disconnect();
    logger.info('api: stopped');
    // pino writes asynchronously; flush before the process ends.
    logger.flush(() => process.exit(0));
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    const forceTimer = setTimeout(() => {
      server.closeAllConnections();
      resolve();
    }, SHUTDOWN_GRACE_MS);
    server.close(() => {
      clearTimeout(forceTimer);
      resolve();
    });
    // Idle keep-alive sockets would hold close() open until they time out.
    server.closeIdleConnections();
  });
}

main().catch((error: unknown) => {
  console.error('api: failed to start:', error instanceof Error ? error.message : error);
  process.exit(1);
});
