import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { signAccessToken } from '../../api/auth/tokens';
import { lockAccountByUserId } from '../../domain/ledger/account-lock';
import { grantLot } from '../../domain/ledger/grant';
import { inLedgerTransaction } from '../../domain/ledger/transaction';
import { loadConfig } from '../../platform/config';
import { writeBenchmarkSection } from './bench-support';
import { BARE_TASK_QUEUE, startBenchStack, type BenchStack } from './bench-stack';
import { measureLedgerAgainstPg, type LedgerComparison } from './ledger-vs-pg';
import { cpuSecondsByRole, cpuSecondsSince, type ProcessRole } from './process-cpu';

// Where a round's CPU goes, by process: the stack's processes are this script's descendants.
const ROLES: ProcessRole[] = [
  { name: 'Temporal server', commandLine: /temporal.*start-dev/ },
  { name: 'Postgres', commandLine: /postgres/ },
  { name: 'saga worker', commandLine: /worker\/main\.ts/ },
  { name: 'API', commandLine: /api\/main\.ts/ },
  { name: 'bare worker', commandLine: /bare\/worker\.ts/ },
];

type CpuByRole = Record<string, number>;

/** `round`'s result with the CPU seconds each process (and this one, the client) spent on it. */
async function withCpu<T>(round: () => Promise<T>): Promise<T & { cpu: CpuByRole }> {
  const before = cpuSecondsByRole(ROLES);
  const client = process.cpuUsage();
  const result = await round();
  const used = process.cpuUsage(client);
  return { ...result, cpu: { ...cpuSecondsSince(before, ROLES), 'bench client': (used.user + used.system) / 1e6 } };
}

/**
 * `npm run bench:sagas`: the generation saga's throughput and accept latency against the real
 * stack (see bench-stack.ts), with the baseline measured in the same run and interleaved with it,
 * since the machine is shared and its speed drifts:
 *   - the bare workflow (three regular activities, each one trivial query) vs sagas through the API,
 *     and the saga's shape (local, regular, local) with the same trivial query and nothing else:
 *     the ceiling the dev server allows that shape on this machine;
 *   - the burst: 200 POST /generations at once by 20 users with plenty of credits (answer latency);
 *   - the storm: 1,000 at once from one user with 50 credits (exactly 50 accepted, time to answer all);
 *   - the ledger hot path (reserve + capture) through our code vs the same statements through pg.
 */
// Four rounds: on a shared 2-core machine a single round of either kind can run 30% fast or slow.
const ROUNDS = 4;
const BURST = 200;
const BURST_USERS = 20;
const STORM = 1_000;
const STORM_CREDITS = 50;

interface Throughput {
  seconds: number;
  perSecond: number;
}

interface BurstResult extends Throughput {
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

async function main(): Promise<void> {
  const { resolveTemporalCli } = (await importEsm(path.resolve(__dirname, '..', 'temporal-cli.mjs'))) as { resolveTemporalCli: (options?: object) => Promise<string> };
  const stack = await startBenchStack(await resolveTemporalCli({ build: true }), { SIGNUP_CREDITS: String(STORM_CREDITS), ...leversFromEnvironment() });
  try {
    const config = loadConfig({ ...stack.env });
    const token = (userId: string) => signAccessToken({ userId, role: 'user' }, config);
    const users = Array.from({ length: BURST_USERS }, (_, index) => `bench-user-${index}`);
    await topUp(stack, users, token, 5_000);

    console.log('warming up');
    await bareRound(stack, 20, 'warmup');
    await bareRound(stack, 20, 'warmup', 'bareLocalRegularLocalWorkflow');
    await sagaRound(stack, users.slice(0, 5), token, 20, 'warmup');

    const bare: Array<Throughput & { cpu: CpuByRole }> = [];
    const shape: Array<Throughput & { cpu: CpuByRole }> = [];
    const sagas: Array<BurstResult & { cpu: CpuByRole }> = [];
    const starts: Latencies[] = [];
    for (let round = 0; round < ROUNDS; round += 1) {
      starts.push(await startFloorRound(stack, BURST, `r${round}`));
      console.log(`round ${round}: ${BURST} bare starts at once, p50 ${starts[round]!.p50Ms.toFixed(0)} ms p99 ${starts[round]!.p99Ms.toFixed(0)} ms`);
      bare.push(await withCpu(() => bareRound(stack, BURST, `r${round}`)));
      console.log(`round ${round}: bare ${bare[round]!.perSecond.toFixed(1)}/s`);
      shape.push(await withCpu(() => bareRound(stack, BURST, `r${round}`, 'bareLocalRegularLocalWorkflow')));
      console.log(`round ${round}: bare local-regular-local ${shape[round]!.perSecond.toFixed(1)}/s`);
      sagas.push(await withCpu(() => sagaRound(stack, users, token, BURST, `r${round}`)));
      console.log(`round ${round}: sagas ${sagas[round]!.perSecond.toFixed(1)}/s, POST p50 ${sagas[round]!.p50Ms.toFixed(0)} ms p99 ${sagas[round]!.p99Ms.toFixed(0)} ms`);
    }
    // The first generation earns an achievement worth 5 credits, which the storm's first sagas would
    // add to the 50 while the storm is still being answered: off, as in the integration tests, so
    // exactly the 50 credits are there to admit.
    await stack.prisma.$executeRaw`UPDATE achievements SET active = false`;
    const storms = [];
    for (let round = 0; round < 2; round += 1) {
      storms.push(await stormRound(stack, `bench-storm-${round}`, token));
      console.log(`storm ${round}: ${JSON.stringify(storms[round])}`);
    }
    const ledger = await measureLedgerAgainstPg(stack.prisma, stack.databaseUrl);
    report(bare, shape, sagas, starts, storms, ledger);
  } finally {
    await stack.stop();
  }
}

// Settings a run may vary, from this process's environment, to compare a lever with the default:
// GENERATION_ACCEPT_WAIT_MS (0 answers at the admission commit; above 0 waits for the hold),
// GENERATION_START_CONCURRENCY (the API's saga starts in flight; 0: no bound) and the worker's
// limits (WORKER_*), e.g. WORKER_NONSTICKY_POLL_RATIO=0.2 npm run bench:sagas.
function leversFromEnvironment(): Record<string, string> {
  return Object.fromEntries(Object.entries(process.env).filter((entry): entry is [string, string] => entry[1] !== undefined && (entry[0] === 'GENERATION_ACCEPT_WAIT_MS' || entry[0] === 'GENERATION_START_CONCURRENCY' || entry[0].startsWith('WORKER_'))));
}

/** Opens each account through the API (signup credits), then grants plenty more. */
async function topUp(stack: BenchStack, users: string[], token: (userId: string) => Promise<string>, credits: number): Promise<void> {
  for (const userId of users) {
    const response = await fetch(`${stack.apiUrl}/users/me/credits`, { headers: { authorization: `Bearer ${await token(userId)}` } });
    if (!response.ok) throw new Error(`opening ${userId}: ${response.status} ${await response.text()}`);
    await inLedgerTransaction(stack.prisma, async (tx) =>
      grantLot(tx, await lockAccountByUserId(tx, userId), {
        source: 'admin', credits, expiresAt: null, reason: 'Benchmark credits', actor: 'bench', idempotencyKey: `bench-topup:${userId}`, at: new Date(),
      }),
    );
  }
}

type BareWorkflow = 'bareThreeActivitiesWorkflow' | 'bareLocalRegularLocalWorkflow';

async function bareRound(stack: BenchStack, count: number, label: string, workflowType: BareWorkflow = 'bareThreeActivitiesWorkflow'): Promise<Throughput> {
  const started = performance.now();
  await Promise.all(
    Array.from({ length: count }, async (_, index) => {
      const handle = await stack.temporal.workflow.start(workflowType, { taskQueue: BARE_TASK_QUEUE, workflowId: `${workflowType}-${label}-${index}`, args: [] });
      await handle.result();
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return { seconds, perSecond: count / seconds };
}

interface Latencies {
  p50Ms: number;
  p99Ms: number;
}

/**
 * The accept latency's floor: `count` workflows started at once straight on the dev server (the
 * bare workflow, on a task queue no worker polls, so nothing else competes), timing each start
 * call. A saga that must exist before POST /generations answers cannot be answered sooner. The
 * workflows are terminated afterwards.
 */
async function startFloorRound(stack: BenchStack, count: number, label: string): Promise<Latencies> {
  const latencies = await Promise.all(
    Array.from({ length: count }, async (_, index) => {
      const sent = performance.now();
      await stack.temporal.workflow.start('bareThreeActivitiesWorkflow', { taskQueue: 'bench-start-floor', workflowId: `start-floor-${label}-${index}`, args: [] });
      return performance.now() - sent;
    }),
  );
  for (let index = 0; index < count; index += 1) await stack.temporal.workflow.getHandle(`start-floor-${label}-${index}`).terminate('start-latency floor measured');
  latencies.sort((a, b) => a - b);
  return { p50Ms: percentile(latencies, 0.5), p99Ms: percentile(latencies, 0.99) };
}

/** `count` POST /generations at once, spread over `users`; then waits until every saga has succeeded. */
async function sagaRound(stack: BenchStack, users: string[], token: (userId: string) => Promise<string>, count: number, label: string): Promise<BurstResult> {
  const tokens = await Promise.all(users.map(token));
  const started = performance.now();
  const answers = await Promise.all(
    Array.from({ length: count }, async (_, index) => {
      const sent = performance.now();
      const response = await postGeneration(stack, tokens[index % users.length]!, `${label}-${index}`);
      const body = response.body;
      if (response.status !== 202 || !body.id) throw new Error(`expected 202, got ${response.status}: ${JSON.stringify(body)}`);
      return { id: body.id, ms: performance.now() - sent };
    }),
  );
  const ids = answers.map((answer) => answer.id);
  for (;;) {
    const done = await stack.prisma.generation.count({ where: { id: { in: ids }, status: { in: ['succeeded', 'failed', 'cancelled'] } } });
    if (done === count) break;
    // Every 100 ms: a tenth of a second is 1% of a round, and each poll is CPU the stack shares.
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const seconds = (performance.now() - started) / 1000;
  const failed = await stack.prisma.generation.count({ where: { id: { in: ids }, status: { not: 'succeeded' } } });
  if (failed > 0) throw new Error(`${failed} sagas did not succeed`);
  const latencies = answers.map((answer) => answer.ms).sort((a, b) => a - b);
  return { seconds, perSecond: count / seconds, p50Ms: percentile(latencies, 0.5), p99Ms: percentile(latencies, 0.99), maxMs: latencies[latencies.length - 1]! };
}

/** 1,000 requests at once from one user with 50 credits at 1 credit each: time until all are answered. */
async function stormRound(stack: BenchStack, userId: string, token: (userId: string) => Promise<string>) {
  const bearer = await token(userId);
  const opened = await fetch(`${stack.apiUrl}/users/me/credits`, { headers: { authorization: `Bearer ${bearer}` } });
  if (!opened.ok) throw new Error(`opening ${userId}: ${opened.status}`);
  const started = performance.now();
  const statuses = await Promise.all(
    Array.from({ length: STORM }, async (_, index) => {
      const response = await postGeneration(stack, bearer, `storm-${index}`);
      return response.status;
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const accepted = statuses.filter((status) => status === 202).length;
  const refused = statuses.filter((status) => status === 402).length;
  // The answers may come before the sagas have held anything (answered at the admission's
  // commit): wait for every accepted saga to end, then count what the ledger did.
  for (let waited = 0; waited < 120_000; waited += 50) {
    if ((await stack.prisma.generation.count({ where: { userId, status: { in: ['pending', 'generating'] } } })) === 0) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const holds = await stack.prisma.reservation.count({ where: { account: { userId } } });
  const succeeded = await stack.prisma.generation.count({ where: { userId, status: 'succeeded' } });
  return { seconds, accepted, refused, other: STORM - accepted - refused, holds, succeeded };
}

// All requests are sent at once, over at most this many keep-alive connections: 1,000 connections
// opened at the same instant overflow the API's listen backlog and fail before reaching it.
// The server closes idle keep-alive sockets after 5 s; one reused just then fails with ECONNRESET,
// and is sent again, as any client would: the Idempotency-Key makes that safe.
const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

async function postGeneration(stack: BenchStack, bearer: string, key: string): Promise<{ status: number; body: { id?: string } }> {
  try {
    return await postOnce(stack, bearer, key);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ECONNRESET') throw error;
    return postOnce(stack, bearer, key);
  }
}

function postOnce(stack: BenchStack, bearer: string, key: string): Promise<{ status: number; body: { id?: string } }> {
  const payload = JSON.stringify({ type: 'flashcards', input: { text: `Benchmark fact ${key}: water boils at 100 degrees at sea level.`, count: 5 } });
  return new Promise((resolve, reject) => {
    const request = http.request(`${stack.apiUrl}/generations`, {
      method: 'POST',
      agent,
      headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), 'idempotency-key': key },
    }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text ? (JSON.parse(text) as { id?: string }) : {} }));
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end(payload);
  });
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** CPU milliseconds per workflow by process, summed over the rounds: `name a+b+... = total`. */
function cpuPerWorkflow(rounds: Array<{ cpu: CpuByRole }>): string {
  const totals: CpuByRole = {};
  for (const round of rounds) for (const [name, seconds] of Object.entries(round.cpu)) totals[name] = (totals[name] ?? 0) + seconds;
  const perWorkflow = (seconds: number) => ((1000 * seconds) / (rounds.length * BURST)).toFixed(1);
  const parts = Object.entries(totals).filter(([, seconds]) => seconds >= 0.005).map(([name, seconds]) => `${name} ${perWorkflow(seconds)}`);
  return `${parts.join(', ')}; total ${perWorkflow(Object.values(totals).reduce((sum, seconds) => sum + seconds, 0))}`;
}

function report(bare: Array<Throughput & { cpu: CpuByRole }>, shape: Array<Throughput & { cpu: CpuByRole }>, sagas: Array<BurstResult & { cpu: CpuByRole }>, starts: Latencies[], storms: Array<Awaited<ReturnType<typeof stormRound>>>, ledger: LedgerComparison): void {
  const bareRate = median(bare.map((round) => round.perSecond));
  const sagaRate = median(sagas.map((round) => round.perSecond));
  const shapeRate = median(shape.map((round) => round.perSecond));
  const rows = [
    `| bare workflow, 3 regular activities (baseline), per round | ${bare.map((round) => round.perSecond.toFixed(1)).join(' / ')} workflows/s | median ${bareRate.toFixed(1)} |`,
    `| generation saga through the API, per round | ${sagas.map((round) => round.perSecond.toFixed(1)).join(' / ')} sagas/s | median ${sagaRate.toFixed(1)}: **${(sagaRate / bareRate).toFixed(2)}x** the baseline (target 1.5x) |`,
    `| the saga's shape, bare: local, regular, local (trivial query, no API, no ledger, no search attributes), per round | ${shape.map((round) => round.perSecond.toFixed(1)).join(' / ')} workflows/s | median ${shapeRate.toFixed(1)}: **${(shapeRate / bareRate).toFixed(2)}x** the baseline (the ceiling for that shape) |`,
    `| CPU ms per workflow by process: bare workflow | ${cpuPerWorkflow(bare)} | all rounds |`,
    `| CPU ms per workflow by process: the saga's shape, bare | ${cpuPerWorkflow(shape)} | all rounds |`,
    `| CPU ms per workflow by process: saga through the API | ${cpuPerWorkflow(sagas)} | all rounds |`,
    `| burst: POST /generations answer, p50 | ${sagas.map((round) => round.p50Ms.toFixed(0)).join(' / ')} ms | target 250 ms |`,
    `| burst: POST /generations answer, p99 | ${sagas.map((round) => round.p99Ms.toFixed(0)).join(' / ')} ms | target 1,000 ms |`,
    `| floor: ${BURST} bare workflow starts at once on the dev server, p50 / p99 | ${starts.map((round) => `${round.p50Ms.toFixed(0)} / ${round.p99Ms.toFixed(0)}`).join('; ')} ms | no worker, no API: the start call alone |`,
    `| storm: 1,000 at once on 50 credits, all answered in | ${storms.map((storm) => storm.seconds.toFixed(2)).join(' / ')} s | ${storms.map((storm) => `${storm.accepted} accepted, ${storm.refused} refused; then ${storm.holds} holds, ${storm.succeeded} succeeded`).join('; ')} (target 5 s, exactly 50) |`,
    `| ledger: reserve + capture through our code | ${ledger.ours.map((rate) => rate.toFixed(0)).join(' / ')} pairs/s | median ${median(ledger.ours).toFixed(0)} |`,
    `| ledger: the same statements through plain pg | ${ledger.pg.map((rate) => rate.toFixed(0)).join(' / ')} pairs/s | median ${median(ledger.pg).toFixed(0)}: ours is **${((median(ledger.ours) / median(ledger.pg)) * 100).toFixed(0)}%** (target 50%) |`,
  ].join('\n');
  writeBenchmarkSection('## Generation saga throughput and accept latency', `## Generation saga throughput and accept latency

\`npm run bench:sagas\`, ${new Date().toISOString().slice(0, 10)}, ${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'unknown'}), shared with other work.
One Temporal dev server (SQLite file store), embedded PostgreSQL, the worker and the API as their own
processes, all started by the script. Settings: ${Object.entries(leversFromEnvironment()).map(([name, value]) => `${name}=${value}`).join(', ') || 'the defaults (GENERATION_ACCEPT_WAIT_MS 0: answered from the admission commit)'}. ${ROUNDS} rounds, the baseline and the saga interleaved in each;
${BURST} requests at once by ${BURST_USERS} users per round (5 flashcards, 1 credit, local generator).
Ledger: ${ledger.pairs} reserve + capture pairs per run at concurrency ${ledger.concurrency}, each worker its own user.

| what | per round | result |
| --- | --- | --- |
${rows}
`);
}

// tools/temporal-cli.mjs is an ES module shared with plain-Node scripts.
const importEsm = new Function('specifier', 'return import(specifier)') as (specifier: string) => Promise<unknown>;

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
