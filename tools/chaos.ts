import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { signAccessToken } from '../api/auth/tokens';
import { verifyLedger } from '../domain/ledger/verify-ledger';
import { loadConfig } from '../platform/config';
import { createPrismaClient } from '../platform/database';
import { ChaosStack } from './chaos/stack';
import { planRequests, PURCHASE_PACKAGE, type PlannedGeneration, type PlannedPurchase, type PlannedRequest, type PlannedTransfer } from './chaos/load';

/**
 * `npm run chaos -- [--sagas 300] [--transfers 60] [--purchases 30] [--users 20] [--worker-kills 3]
 * [--temporal-restarts 1] [--postgres-restarts 1] [--api-kills 1] [--seed 1]`
 *
 * A reproducible chaos run against the real stack (tools/chaos/stack.ts): hundreds of generation
 * sagas of every kind, transfers and purchases, while the worker is SIGKILLed (also right after a
 * capture and a release commit), the Temporal dev server is killed and restarted on its database
 * file, Postgres is restarted and the API is killed. Then every saga must have ended, every
 * balance must equal the one computed from the requests and their outcomes alone, nothing may be
 * held, and the ledger must verify. Prints the faults and the outcomes; exit 1 on any discrepancy.
 */
interface Options {
  sagas: number;
  transfers: number;
  purchases: number;
  users: number;
  workerKills: number;
  temporalRestarts: number;
  postgresRestarts: number;
  apiKills: number;
  seed: number;
  concurrency: number;
  settleTimeoutMs: number;
}

// Answers are read field by field and compared; their shapes are the API's business.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type ApiBody = Record<string, any>;

type Outcome = { final: string; costCredits: number; detail?: string };

const TERMINAL_GENERATION = new Set(['succeeded', 'failed', 'cancelled']);
const TERMINAL_PURCHASE = new Set(['fulfilled', 'failed', 'expired', 'refunded']);

async function main(): Promise<void> {
  const options = parseOptions();
  const cliPath = await resolveCli();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'credits-chaos-'));
  const startedAt = Date.now();
  console.log(`chaos: seed ${options.seed}; data in ${dataDir}`);
  const stack = await ChaosStack.start({ dataDir, cliPath });
  const stopOnSignal = () => void stack.stop().finally(() => process.exit(130));
  process.once('SIGINT', stopOnSignal);
  process.once('SIGTERM', stopOnSignal);
  let exitCode = 1;
  try {
    exitCode = await run(stack, options, dataDir, startedAt);
  } finally {
    await stack.stop();
    if (exitCode === 0) rmSync(dataDir, { recursive: true, force: true });
  }
  process.exit(exitCode);
}

async function run(stack: ChaosStack, options: Options, dataDir: string, startedAt: number): Promise<number> {
  const config = loadConfig({ NODE_ENV: 'test' });
  const client = new ChaosClient(stack.apiUrl, (userId) => signAccessToken({ userId, role: 'user' }, config));
  const users = Array.from({ length: options.users }, (_, index) => `chaos-${options.seed}-u${String(index).padStart(3, '0')}`);
  const initial = new Map<string, number>();
  for (const userId of users) initial.set(userId, (await client.send(userId, 'GET', '/users/me/credits')).body.balance as number);

  const plan = planRequests({ seed: options.seed, users, sagas: options.sagas, transfers: options.transfers, purchases: options.purchases });
  const outcomes = new Map<PlannedRequest, Outcome>();
  const faults = new FaultLog();
  const load = runPool(plan, options.concurrency, (request) => submit(client, stack, request, outcomes));
  await injectFaults(stack, options, faults, load);
  await load;
  await ensureUp(stack);
  await settle(client, plan, outcomes, options.settleTimeoutMs);
  faults.crashesAfterCommit = readdirSync(path.join(dataDir, 'crash-markers')).length;
  faults.supervisorRestarts = stack.worker.unexpectedExits + stack.api.unexpectedExits;

  const discrepancies = await check(stack, client, plan, outcomes, initial);
  printReport(options, plan, outcomes, faults, discrepancies, Date.now() - startedAt, client);
  return discrepancies.length === 0 ? 0 : 1;
}

/** HTTP with the retries a careful client makes: the same Idempotency-Key until a real answer. */
class ChaosClient {
  requestsSent = 0;
  retries = 0;

  constructor(
    private readonly baseUrl: string,
    private readonly token: (userId: string) => Promise<string>,
  ) {}

  async send(userId: string, method: 'GET' | 'POST', route: string, body?: object, idempotencyKey?: string, deadlineMs = 180_000): Promise<{ status: number; body: ApiBody }> {
    const deadline = Date.now() + deadlineMs;
    for (;;) {
      this.requestsSent += 1;
      try {
        const response = await fetch(`${this.baseUrl}${route}`, {
          method,
          headers: { Authorization: `Bearer ${await this.token(userId)}`, 'Content-Type': 'application/json', ...(idempotencyKey ? { 'Idempotency-Key': idempotencyKey } : {}) },
          body: body ? JSON.stringify(body) : undefined,
          signal: AbortSignal.timeout(20_000),
        });
        const text = await response.text();
        // 5xx (a dependency restarting) is retried with the same key; every other answer is final.
        if (response.status < 500) return { status: response.status, body: text ? (JSON.parse(text) as ApiBody) : {} };
      } catch {
        // The API is down or the connection dropped mid-request: the same key makes a retry safe.
      }
      if (Date.now() > deadline) throw new Error(`${method} ${route} for ${userId}: no answer before the deadline`);
      this.retries += 1;
      await sleep(250);
    }
  }
}

async function submit(client: ChaosClient, stack: ChaosStack, request: PlannedRequest, outcomes: Map<PlannedRequest, Outcome>): Promise<void> {
  if (request.op === 'generation') return submitGeneration(client, request, outcomes);
  if (request.op === 'transfer') return submitTransfer(client, request, outcomes);
  return submitPurchase(client, stack, request, outcomes);
}

async function submitGeneration(client: ChaosClient, request: PlannedGeneration, outcomes: Map<PlannedRequest, Outcome>): Promise<void> {
  const created = await client.send(request.userId, 'POST', '/generations', { type: request.type, input: { text: request.text, count: request.count } }, request.idempotencyKey);
  if (created.status === 402) {
    outcomes.set(request, { final: 'refused:402', costCredits: 0 });
    return;
  }
  if (created.status !== 202 && created.status !== 200) {
    outcomes.set(request, { final: `unexpected:${created.status}`, costCredits: 0, detail: JSON.stringify(created.body) });
    return;
  }
  outcomes.set(request, { final: 'submitted', costCredits: 0, detail: created.body.id as string });
  if (request.kind === 'cancel') {
    // Cancel once it is generating; refused (409) once it is capturing: then it succeeds.
    await client.send(request.userId, 'POST', `/generations/${created.body.id}/cancel`, { reason: 'chaos run' });
  }
}

async function submitTransfer(client: ChaosClient, request: PlannedTransfer, outcomes: Map<PlannedRequest, Outcome>): Promise<void> {
  const answer = await client.send(request.userId, 'POST', '/credits/transfers', { toUserId: request.toUserId, amount: request.amount }, request.idempotencyKey);
  const applied = answer.status === 200 || answer.status === 201;
  outcomes.set(request, { final: applied ? 'transferred' : `refused:${answer.status}`, costCredits: applied ? request.amount : 0 });
}

async function submitPurchase(client: ChaosClient, stack: ChaosStack, request: PlannedPurchase, outcomes: Map<PlannedRequest, Outcome>): Promise<void> {
  const created = await client.send(request.userId, 'POST', '/credits/purchases', { packageId: PURCHASE_PACKAGE.id }, request.idempotencyKey);
  if (created.status !== 201 && created.status !== 200) {
    outcomes.set(request, { final: `refused:${created.status}`, costCredits: 0, detail: JSON.stringify(created.body) });
    return;
  }
  const purchaseId = created.body.id as string;
  outcomes.set(request, { final: 'submitted', costCredits: 0, detail: purchaseId });
  let intentId = created.body.paymentIntentId as string | null;
  const deadline = Date.now() + 120_000;
  while (!intentId && Date.now() < deadline) {
    await sleep(250);
    intentId = (await client.send(request.userId, 'GET', `/credits/purchases/${purchaseId}`)).body.paymentIntentId as string | null;
  }
  if (!intentId) return;
  // The buyer pays (or is declined) at the provider, which sends the webhook; while the API is
  // down the delivery fails and the provider redelivers the same event, as real providers do.
  let delivery = request.pays ? await stack.payments.complete(intentId) : await stack.payments.fail(intentId);
  while (delivery.status !== 200 && Date.now() < deadline) {
    await sleep(500);
    delivery = await stack.payments.redeliver(delivery.eventId);
  }
}

/** Faults one after another, spaced out, while the load runs: the table shows each. */
class FaultLog {
  workerKills = 0;
  temporalRestarts = 0;
  postgresRestarts = 0;
  apiKills = 0;
  crashesAfterCommit = 0;
  supervisorRestarts = 0;
}

async function injectFaults(stack: ChaosStack, options: Options, faults: FaultLog, load: Promise<unknown>): Promise<void> {
  let loadDone = false;
  void load.finally(() => (loadDone = true));
  const schedule: Array<() => Promise<void>> = [];
  for (let index = 0; index < Math.max(options.workerKills, options.temporalRestarts, options.postgresRestarts, options.apiKills); index += 1) {
    if (index < options.workerKills) schedule.push(() => killWorker(stack, faults));
    if (index < options.apiKills) schedule.push(() => killApi(stack, faults));
    if (index < options.temporalRestarts) schedule.push(() => restartTemporal(stack, faults));
    if (index < options.postgresRestarts) schedule.push(() => restartPostgres(stack, faults));
  }
  for (const fault of schedule) {
    // Faults land while requests are in flight; once the load is in, the rest still hit running sagas.
    await sleep(loadDone ? 500 : 2_000);
    await fault();
  }
}

async function killWorker(stack: ChaosStack, faults: FaultLog): Promise<void> {
  await stack.worker.kill();
  faults.workerKills += 1;
  await sleep(1_000);
  await stack.worker.start();
}

async function killApi(stack: ChaosStack, faults: FaultLog): Promise<void> {
  await stack.api.kill();
  faults.apiKills += 1;
  await sleep(1_000);
  await stack.api.start();
}

async function restartTemporal(stack: ChaosStack, faults: FaultLog): Promise<void> {
  await stack.temporal.kill();
  faults.temporalRestarts += 1;
  await sleep(1_000);
  await stack.startTemporal();
}

async function restartPostgres(stack: ChaosStack, faults: FaultLog): Promise<void> {
  await stack.postgres.stop();
  faults.postgresRestarts += 1;
  await sleep(1_000);
  await stack.startPostgres();
}

async function ensureUp(stack: ChaosStack): Promise<void> {
  if (!stack.worker.running) await stack.worker.start();
  if (!stack.api.running) await stack.api.start();
}

/** Polls every saga until it has ended, or the deadline passes (then what is left is reported). */
async function settle(client: ChaosClient, plan: PlannedRequest[], outcomes: Map<PlannedRequest, Outcome>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = plan.filter((request) => outcomes.get(request)?.final === 'submitted');
    if (open.length === 0 || Date.now() > deadline) return;
    await runPool(open, 8, async (request) => {
      const outcome = outcomes.get(request)!;
      const route = request.op === 'generation' ? `/generations/${outcome.detail}` : `/credits/purchases/${outcome.detail}`;
      const view = (await client.send(request.userId, 'GET', route)).body;
      const terminal = request.op === 'generation' ? TERMINAL_GENERATION : TERMINAL_PURCHASE;
      if (!terminal.has(view.status as string)) return;
      const costCredits = request.op === 'generation' ? (view.cost as number | null) ?? 0 : view.status === 'fulfilled' ? PURCHASE_PACKAGE.credits : 0;
      outcomes.set(request, { final: view.status as string, costCredits, detail: view.failureCode ? `${outcome.detail} ${view.failureCode}` : outcome.detail });
    });
    await sleep(500);
  }
}

/**
 * Every rule the run must keep. Expected balances come from the plan and the outcomes alone:
 * initial + fulfilled purchases + transfers in - transfers out - the planned price of each
 * succeeded generation; the service's own numbers are only what is compared against them.
 */
async function check(stack: ChaosStack, client: ChaosClient, plan: PlannedRequest[], outcomes: Map<PlannedRequest, Outcome>, initial: Map<string, number>): Promise<string[]> {
  const discrepancies: string[] = [];
  const expected = new Map(initial);
  const add = (userId: string, credits: number) => expected.set(userId, (expected.get(userId) ?? 0) + credits);
  for (const request of plan) {
    const outcome = outcomes.get(request) ?? { final: 'never-answered', costCredits: 0 };
    const problem = outcomeProblem(request, outcome);
    if (problem) discrepancies.push(problem);
    if (request.op === 'generation' && outcome.final === 'succeeded') add(request.userId, -request.costIfSucceeded);
    if (request.op === 'transfer' && outcome.final === 'transferred') {
      add(request.userId, -request.amount);
      add(request.toUserId, request.amount);
    }
    if (request.op === 'purchase' && outcome.final === 'fulfilled') add(request.userId, PURCHASE_PACKAGE.credits);
  }
  for (const [userId, balance] of expected) {
    const credits = (await client.send(userId, 'GET', '/users/me/credits')).body;
    if (credits.balance !== balance) discrepancies.push(`${userId}: balance ${credits.balance}, expected ${balance}`);
    if (credits.reserved !== 0) discrepancies.push(`${userId}: ${credits.reserved} credits still held`);
  }
  const prisma = createPrismaClient({ databaseUrl: stack.databaseUrl, poolSize: 2 });
  try {
    const violations = await verifyLedger(prisma);
    for (const violation of violations) discrepancies.push(`ledger verify: ${JSON.stringify(violation, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value))}`);
    const pending = await prisma.reservation.count({ where: { status: 'pending' } });
    if (pending > 0) discrepancies.push(`${pending} reservations still pending`);
  } finally {
    await prisma.$disconnect();
  }
  return discrepancies;
}

function outcomeProblem(request: PlannedRequest, outcome: Outcome): string | null {
  const label = `${request.op} ${request.idempotencyKey} (${request.op === 'generation' ? request.kind : request.userId})`;
  if (outcome.final === 'submitted' || outcome.final === 'never-answered' || outcome.final.startsWith('unexpected')) return `${label}: did not end (${outcome.final} ${outcome.detail ?? ''})`;
  if (request.op !== 'generation') return null;
  const insufficient = outcome.final === 'refused:402' || (outcome.final === 'failed' && outcome.detail?.endsWith('INSUFFICIENT_CREDITS'));
  // Refused for want of credits (other sagas and transfers of the same user raced it): nothing charged.
  if (insufficient) return outcome.costCredits === 0 ? null : `${label}: refused for credits but charged ${outcome.costCredits}`;
  const allowed: Record<string, string[]> = { success: ['succeeded'], flaky: ['succeeded'], short: ['succeeded'], slow: ['succeeded'], fail: ['failed'], cancel: ['cancelled', 'succeeded'] };
  if (!allowed[request.kind]!.includes(outcome.final)) return `${label}: ended ${outcome.final} (${outcome.detail ?? ''})`;
  const charged = outcome.final === 'succeeded' ? request.costIfSucceeded : 0;
  if (outcome.costCredits !== charged) return `${label}: charged ${outcome.costCredits}, expected ${charged}`;
  return null;
}

function printReport(options: Options, plan: PlannedRequest[], outcomes: Map<PlannedRequest, Outcome>, faults: FaultLog, discrepancies: string[], elapsedMs: number, client: ChaosClient): void {
  const tally = new Map<string, number>();
  for (const request of plan) {
    const name = request.op === 'generation' ? `generation ${request.kind}` : request.op;
    const final = (outcomes.get(request)?.final ?? 'never-answered').replace(/^refused:402$/, 'refused (402)');
    tally.set(`${name} -> ${final}`, (tally.get(`${name} -> ${final}`) ?? 0) + 1);
  }
  const rows: Array<[string, string]> = [
    ['seed', String(options.seed)],
    ['requests planned', String(plan.length)],
    ['HTTP requests sent (polls and retries included)', String(client.requestsSent)],
    ['retried after no answer or a 5xx', String(client.retries)],
    ['worker SIGKILLs', String(faults.workerKills)],
    ['worker crashes right after a commit', String(faults.crashesAfterCommit)],
    ['Temporal server kills + restarts', String(faults.temporalRestarts)],
    ['Postgres restarts', String(faults.postgresRestarts)],
    ['API SIGKILLs', String(faults.apiKills)],
    ['unplanned exits restarted by the supervisor', String(faults.supervisorRestarts)],
    ['faults injected', String(faults.workerKills + faults.crashesAfterCommit + faults.temporalRestarts + faults.postgresRestarts + faults.apiKills)],
    ...[...tally.entries()].sort().map(([name, count]): [string, string] => [name, String(count)]),
    ['elapsed', `${Math.round(elapsedMs / 1000)} s`],
    ['discrepancies', String(discrepancies.length)],
  ];
  const width = Math.max(...rows.map(([name]) => name.length));
  console.log(rows.map(([name, value]) => `${name.padEnd(width)}  ${value}`).join('\n'));
  for (const discrepancy of discrepancies.slice(0, 50)) console.log(`DISCREPANCY ${discrepancy}`);
  console.log(`chaos: discrepancies: ${discrepancies.length}`);
}

async function runPool<T>(items: T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++]!;
      await work(item);
    }
  });
  await Promise.all(lanes);
}

function parseOptions(): Options {
  const { values } = parseArgs({
    options: {
      sagas: { type: 'string', default: '300' },
      transfers: { type: 'string', default: '60' },
      purchases: { type: 'string', default: '30' },
      users: { type: 'string', default: '20' },
      'worker-kills': { type: 'string', default: '3' },
      'temporal-restarts': { type: 'string', default: '1' },
      'postgres-restarts': { type: 'string', default: '1' },
      'api-kills': { type: 'string', default: '1' },
      seed: { type: 'string', default: '1' },
      concurrency: { type: 'string', default: '16' },
      'settle-timeout-ms': { type: 'string', default: '300000' },
    },
  });
  const int = (name: keyof typeof values) => {
    const parsed = Number(values[name]);
    if (!Number.isInteger(parsed) || parsed < 0) throw new Error(`--${name} must be a non-negative integer`);
    return parsed;
  };
  return {
    sagas: int('sagas'),
    transfers: int('transfers'),
    purchases: int('purchases'),
    users: Math.max(2, int('users')),
    workerKills: int('worker-kills'),
    temporalRestarts: int('temporal-restarts'),
    postgresRestarts: int('postgres-restarts'),
    apiKills: int('api-kills'),
    seed: int('seed'),
    concurrency: Math.max(1, int('concurrency')),
    settleTimeoutMs: int('settle-timeout-ms'),
  };
}

async function resolveCli(): Promise<string> {
  const importEsm = new Function('specifier', 'return import(specifier)') as (specifier: string) => Promise<{ resolveTemporalCli: (options?: object) => Promise<string> }>;
  const { resolveTemporalCli } = await importEsm(path.resolve(__dirname, 'temporal-cli.mjs'));
  return resolveTemporalCli({ build: false });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

main().catch((error: unknown) => {
  console.error(`chaos: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exit(1);
});
