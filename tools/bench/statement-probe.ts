import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../../generated/prisma/client';
import { applyMigrations } from '../../platform/migrate';
import { createDatabase, startEmbeddedPostgres } from '../dev-services/embedded-postgres';
import { findFreePort } from '../dev-services/free-port';
import { createGenerationActivities } from '../../activities/generation-activities';
import { openAccountIfMissing } from '../../domain/ledger/open-account';
import { systemClock } from '../../platform/clock';

/**
 * `npx tsx tools/bench/statement-probe.ts`: prints every statement the saga's reserve and capture
 * steps send through Prisma (its query log), for a user's first generation (which earns an
 * achievement) and second (steady state). `ledger-vs-pg.ts` sends the steady state's statements
 * through plain pg; this is how to check it still does after the ledger changes.
 */
async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'stmt-'));
  const postgres = await startEmbeddedPostgres({ dataDir: path.join(dir, 'pg'), port: await findFreePort(), persistent: false });
  await createDatabase(postgres.adminUrl, 'bench');
  const url = postgres.urlFor('bench');
  await applyMigrations(url);
  const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: url, max: 2 }), log: [{ emit: 'event', level: 'query' }] });
  let log: string[] | null = null;
  prisma.$on('query', (event) => { log?.push(event.query.replace(/\s+/g, ' ').slice(0, 140)); });
  await openAccountIfMissing(prisma, { userId: 'u1', signupCredits: 100, clock: systemClock });
  const activities = createGenerationActivities({ prisma, generator: { name: 'x', generate: () => Promise.reject(new Error('x')) }, clock: systemClock, holdTimeoutMs: 3_600_000, minCreditsToGenerate: 0, maxBalanceCredits: 1_000_000 });
  for (const n of [1, 2]) {
    await prisma.$executeRaw`INSERT INTO generations (id, user_id, request_hash, type, requested_count, input_text, estimated_cost_credits, workflow_id, updated_at) VALUES (${'g' + n}, 'u1', 'h', 'flashcards', 5, 't', 1, ${'generation-g' + n}, now())`;
    log = [];
    const d = await activities.reserveCredits({ generationId: 'g' + n, userId: 'u1', workflowId: 'generation-g' + n, estimatedCostCredits: 1, idempotencyKey: `generation-g${n}:reserve` });
    console.log(`--- reserve ${n}: ${log.length} statements`); for (const q of log) console.log('  ', q);
    log = [];
    if (d.accepted) await activities.captureCredits({ generationId: 'g' + n, reservationId: d.reservationId, idempotencyKey: `generation-g${n}:capture`, output: { type: 'flashcards', model: 'm', items: Array.from({ length: 5 }, (_, i) => ({ front: 'q' + i, back: 'a' + i })) } });
    console.log(`--- capture ${n}: ${log.length} statements`); for (const q of log) console.log('  ', q);
  }
  log = null;
  await prisma.$disconnect();
  await postgres.stop();
  rmSync(dir, { recursive: true, force: true });
}
void main();
