import { Client } from 'pg';

/**
 * One LISTEN connection to Postgres for a channel, shared by everyone in the process who wants its
 * notifications. It connects with the first subscriber, disconnects after the last one leaves, and
 * reconnects (after a delay) when the connection drops while anyone listens. Notifications sent
 * while disconnected are lost, so every subscriber is told `resync` after a reconnect and reads the
 * current state again.
 */
export interface ChannelSubscriber {
  notify(payload: string): void;
  resync(): void;
}

export interface DatabaseListener {
  subscribe(subscriber: ChannelSubscriber): () => void;
  /**
   * Resolves once the connection LISTENs (or its attempt has failed, and subscribers will be told
   * `resync` after the reconnect). State read after this cannot miss a later change's notification.
   */
  listening(): Promise<void>;
  close(): Promise<void>;
}

export function listenToChannel(options: { databaseUrl: string; channel: string; reconnectDelayMs?: number; onError?: (error: unknown) => void }): DatabaseListener {
  if (!/^[a-z_][a-z0-9_]*$/.test(options.channel)) throw new Error(`Not a channel name: ${options.channel}`);
  const subscribers = new Set<ChannelSubscriber>();
  let client: Client | null = null;
  let connecting: Promise<void> | null = null;
  let reconnectTimer: NodeJS.Timeout | null = null;
  let closed = false;
  const wanted = () => !closed && subscribers.size > 0;

  const connect = (): Promise<void> => {
    connecting ??= open()
      .catch((error: unknown) => {
        options.onError?.(error);
        scheduleReconnect();
      })
      .finally(() => {
        connecting = null;
      });
    return connecting;
  };

  const open = async (): Promise<void> => {
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
    } catch (error) {
      await next.end().catch(() => undefined);
      throw error;
    }
    // Everyone left while it was connecting: there is no one to listen for.
    if (!wanted()) {
      await next.end().catch(() => undefined);
      return;
    }
    client = next;
  };

  const dropped = (which: Client) => {
    if (client !== which) return;
    client = null;
    scheduleReconnect();
  };

  const scheduleReconnect = () => {
    if (!wanted() || reconnectTimer) return;
    reconnectTimer = setTimeout(() => {
      reconnectTimer = null;
      if (!wanted()) return;
      void connect().then(() => {
        if (client) for (const subscriber of subscribers) subscriber.resync();
      });
    }, options.reconnectDelayMs ?? 1_000);
    // A reconnect never keeps a process alive that is otherwise done.
    reconnectTimer.unref();
  };

  const disconnect = async () => {
    if (reconnectTimer) clearTimeout(reconnectTimer);
    reconnectTimer = null;
    await connecting;
    // Someone subscribed again while this waited: the connection is theirs now.
    if (wanted()) return;
    const current = client;
    client = null;
    await current?.end().catch(() => undefined);
  };

  return {
    subscribe(subscriber) {
      subscribers.add(subscriber);
      if (!client && !closed) void connect();
      return () => {
        subscribers.delete(subscriber);
        if (subscribers.size === 0) void disconnect();
      };
    },
    async listening() {
      await connecting;
    },
    async close() {
      closed = true;
      subscribers.clear();
      await disconnect();
    },
  };
}
