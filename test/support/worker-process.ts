import type { ChildProcess } from 'node:child_process';
import { writeFile, mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { SagaHarness } from './saga-harness';
import { spawnTagged, TSX_NODE_ARGS } from './child-processes';

const ROOT = path.resolve(__dirname, '..', '..');

/**
 * The real worker entry point (worker/main.ts) as a child process, so a test can SIGKILL it the way
 * an OOM killer or a lost node would, and start another.
 */
export class WorkerProcess {
  private child: ChildProcess | null = null;
  private output = '';

  private constructor(private readonly env: NodeJS.ProcessEnv) {}

  static async forHarness(harness: SagaHarness, extraEnv: Record<string, string> = {}): Promise<WorkerProcess> {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'credits-bundle-'));
    const bundlePath = path.join(dir, 'workflow-bundle.js');
    await writeFile(bundlePath, harness.workflowBundle.code);
    return new WorkerProcess({
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: 'test',
      DATABASE_URL: harness.databaseUrl,
      TEMPORAL_ADDRESS: harness.temporalAddress,
      TEMPORAL_NAMESPACE: harness.config.TEMPORAL_NAMESPACE,
      TEMPORAL_TASK_QUEUE: harness.config.TEMPORAL_TASK_QUEUE,
      WORKFLOW_BUNDLE_PATH: bundlePath,
      GENERATOR: 'local',
      // Workers come and go in these tests; their metrics endpoints are tested elsewhere.
      WORKER_METRICS_PORT: '0',
      WORKER_SDK_METRICS_ADDRESS: '',
      // The test's own Temporal server is shared by every file; schedules are tested on their own.
      SCHEDULES_APPLY_ON_START: 'false',
      ...extraEnv,
    });
  }

  async start(timeoutMs = 60_000): Promise<void> {
    if (this.child && this.child.exitCode === null && this.child.signalCode === null) throw new Error('the worker is already running; stop it first');
    this.output = '';
    // One process (node with tsx's loader, no tsx wrapper): a SIGKILL must reach the worker itself,
    // not a wrapper whose orphaned child would keep polling after the test.
    const child = spawnTagged(process.execPath, [...TSX_NODE_ARGS, 'worker/main.ts'], { cwd: ROOT, env: this.env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    child.stdout?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    const deadline = Date.now() + timeoutMs;
    while (!this.output.includes('worker: polling')) {
      if (child.exitCode !== null) throw new Error(`worker exited with ${child.exitCode}:\n${this.output}`);
      if (Date.now() > deadline) throw new Error(`worker did not start in time:\n${this.output}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** Resolves when the process exits by itself (a crash the test arranged). */
  async waitForExit(timeoutMs: number): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      new Promise((resolve) => child.once('exit', resolve)),
      new Promise((_resolve, reject) => (timer = setTimeout(() => reject(new Error(`worker did not exit within ${timeoutMs} ms:\n${this.output}`)), timeoutMs))),
    ]).finally(() => clearTimeout(timer));
    this.child = null;
  }

  /** No goodbye: the process gets no chance to finish or hand back anything. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    this.child = null;
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
    this.child = null;
  }

  get log(): string {
    return this.output;
  }
}
