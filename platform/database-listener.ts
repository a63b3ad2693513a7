import { Client } from 'pg';

/**
 * One LISTEN connection to Postgres for a channel, shared by everyone in the process who wants its
 * notifications. It connects on the first subscriber and reconnects (with a delay) when the
 * connection drops; since notifications sent while disconnected are lost, every subscriber is told
 * `resync` after a reconnect and reads the current state again.
 */
export interface ChannelSubscriber {
  notify(payload: string): void;
  resync(): void;
}

export interface DatabaseListener {
  subscribe(subscriber: ChannelSubscriber): () => void;
  close(): Promise<void>;
}

export function listenToChannel(options: { databaseUrl: string; channel: string; reconnectDelayMs?: number; onError?: (error: unknown) => void }): DatabaseListener {
  if (!/^[a-z_][a-z0-9_]*$/.test(options.channel)) throw new Error(`Not a channel name: ${options.channel}`);
  const subscribers = new Set<ChannelSubscriber>();
  let client: Client | null = null;
  let connecting: Promise<void> | null = null;
  let reconnectTimer: NodeJS.Timeout | null = null;
  let closed = false;

  const connect = (): Promise<void> => {
    connecting ??= (async () => {
      const next = new Client({ connectionString: options.databaseUrl });
      next.on('notification', (message) => {
        if (message.channel !== options.channel || message.payload === undefined) return;
        for (const subscriber of subscribers) subscriber.notify(message.payload);
      });
      next.on('error', (error) => {
        options.onError?.(error);
        dropped(next);
      });
      next.on('end', () => dropped(next));
      try {
        await next.connect();
        await next.query(`LISTEN ${options.channel}`);
        client = next;
      } catch (error) {
        options.onError?.(error);
        await next.end().catch(() => undefined);
        scheduleReconnect();
      } finally {
        connecting = null;
      }
    })();
    return connecting;
  };

  const dropped = (which: Client) => {
    if (client !== which) return;
    client = null;
    scheduleReconnect();
  };

  const scheduleReconnect = () => {
    if (closed || reconnectTimer || subscribers.size === 0) return;
    reconnectTimer = setTimeout(() => {
      reconnectTimer = null;
      void connect().then(() => {
        if (client) for (const subscriber of subscribers) subscriber.resync();
      });
    }, options.reconnectDelayMs ?? 1_000);
  };

  return {
    subscribe(subscriber) {
      subscribers.add(subscriber);
      if (!client && !closed) void connect();
      return () => subscribers.delete(subscriber);
    },
    async close() {
      closed = true;
      subscribers.clear();
      if (reconnectTimer) clearTimeout(reconnectTimer);
      await connecting;
      const current = client;
      client = null;
      await current?.end().catch(() => undefined);
    },
  };
}
