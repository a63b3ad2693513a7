import type { Client } from '@temporalio/client';
import { pingTemporal } from '../platform/temporal-connection';

export interface ReachabilityOptions {
  // An answer from Temporal this recent stands for "reachable" without asking again.
  recentMs: number;
  // How long a probe may take before Temporal counts as unreachable (the 503 comes within it).
  probeTimeoutMs: number;
}

// Every admitted request starts a saga, and a start that fails as unreachable resets this at once,
// so the window only bounds how long a quiet API trusts an old answer.
const DEFAULT_OPTIONS: ReachabilityOptions = { recentMs: 10_000, probeTimeoutMs: 800 };

/**
 * Whether the Temporal server has answered lately. `POST /generations` answers from the
 * admission's commit and starts the saga just after, so it must not accept requests while Temporal
 * is known to be down: the client is told 503 and retries, instead of being told "accepted" and
 * waiting for the start relay. Asking Temporal on every request would put a round trip back on the
 * path the answer-at-commit takes off it, so any answer in the last `recentMs` (the sagas' own
 * starts, in a burst) stands for "reachable", and only a quiet or failing spell costs one probe,
 * shared by every request arriving meanwhile.
 */
export class TemporalReachability {
  private lastAnsweredAt = Number.NEGATIVE_INFINITY;
  private probing: Promise<unknown> | null = null;
  private keepingFresh: NodeJS.Timeout | null = null;

  constructor(
    private readonly temporal: Client,
    private readonly options: ReachabilityOptions = DEFAULT_OPTIONS,
  ) {}

  /**
   * Probes in the background whenever the last answer is half `recentMs` old, checked every quarter
   * of it, so the answer is never older than three quarters of `recentMs` and a request after a
   * quiet spell finds it fresh instead of waiting for a probe. (Checked every half, an answer just
   * short of half old was skipped and was nearly `recentMs` old at the next check.) The timer does
   * not hold the process open; stop() ends it.
   */
  keepFresh(): this {
    this.keepingFresh ??= setInterval(() => {
      if (performance.now() - this.lastAnsweredAt >= this.options.recentMs / 2) this.probing ??= this.probe().finally(() => (this.probing = null));
    }, this.options.recentMs / 4).unref();
    return this;
  }

  stop(): void {
    if (this.keepingFresh) clearInterval(this.keepingFresh);
    this.keepingFresh = null;
  }

  /** Temporal just answered a call (a start, a query). */
  answered(): void {
    this.lastAnsweredAt = performance.now();
  }

  /** Temporal just failed a call as unreachable: the next request probes before it is accepted. */
  failed(): void {
    this.lastAnsweredAt = Number.NEGATIVE_INFINITY;
  }

  /** Resolves when Temporal is reachable; otherwise throws what makes the API answer 503. */
  async assertReachable(): Promise<void> {
    if (performance.now() - this.lastAnsweredAt < this.options.recentMs) return;
    this.probing ??= this.probe().finally(() => {
      this.probing = null;
    });
    const outcome = await this.probing;
    if (outcome !== 'ok') throw outcome;
  }

  /** 'ok', or the error to answer with (pingTemporal's: the client's own, or a timeout of ours). */
  private async probe(): Promise<unknown> {
    const outcome = await pingTemporal(this.temporal, this.options.probeTimeoutMs).then(
      () => 'ok' as const,
      (error: unknown) => error,
    );
    if (outcome === 'ok') this.answered();
    else this.failed();
    return outcome;
  }
}
