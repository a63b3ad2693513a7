import { CREDIT_EVENTS_CHANNEL, parseCreditEvent, type CreditEvent } from '../../domain/ledger/credit-events';
import { listenToChannel, type DatabaseListener } from '../../platform/database-listener';

/** What a user's open event stream is told: something changed (re-read it), or resync everything. */
export type UserEventHandler = (kind: CreditEvent['kind'] | 'resync') => void;

/**
 * Fans the ledger's change events out to the event streams open in this API process, by user.
 * Every replica runs its own hub on its own LISTEN connection, so a change made through any replica
 * (or by the worker) reaches a user's stream wherever it is open. One connection however many
 * streams; it opens with the first stream and closes after the last.
 */
export class CreditEventHub {
  private readonly byUser = new Map<string, Set<UserEventHandler>>();
  private readonly listener: DatabaseListener;
  private unsubscribe: (() => void) | null = null;

  constructor(options: { databaseUrl: string; onError?: (error: unknown) => void }) {
    this.listener = listenToChannel({ databaseUrl: options.databaseUrl, channel: CREDIT_EVENTS_CHANNEL, onError: options.onError });
  }

  subscribe(userId: string, handler: UserEventHandler): () => void {
    this.unsubscribe ??= this.listener.subscribe({
      notify: (payload) => {
        const event = parseCreditEvent(payload);
        if (event) for (const each of this.byUser.get(event.userId) ?? []) each(event.kind);
      },
      resync: () => {
        for (const handlers of this.byUser.values()) for (const each of handlers) each('resync');
      },
    });
    const handlers = this.byUser.get(userId) ?? new Set<UserEventHandler>();
    handlers.add(handler);
    this.byUser.set(userId, handlers);
    return () => {
      handlers.delete(handler);
      if (handlers.size === 0) this.byUser.delete(userId);
      // No stream open here any more: let the LISTEN connection go until the next one opens.
      if (this.byUser.size === 0) {
        this.unsubscribe?.();
        this.unsubscribe = null;
      }
    };
  }

  /** Resolves once changes are being listened for: read the state a stream starts from after it. */
  listening(): Promise<void> {
    return this.listener.listening();
  }

  /** How many streams are open here. */
  get openStreams(): number {
    let count = 0;
    for (const handlers of this.byUser.values()) count += handlers.size;
    return count;
  }

  async close(): Promise<void> {
    this.byUser.clear();
    this.unsubscribe = null;
    await this.listener.close();
  }
}
