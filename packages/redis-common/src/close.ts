/** Closing a connection this package's users own. */

/** The part of an ioredis connection closing uses. */
export interface Closable {
  readonly status: string;
  quit(): Promise<unknown>;
  disconnect(): void;
}

/**
 * Closes a connection: `QUIT` when it is ready (the server sees a clean goodbye and replies already
 * on their way still arrive), then a plain disconnect, which alone is used otherwise; it never
 * rejects. Reconnecting stops either way. The disconnect after `QUIT` also closes the sockets ioredis
 * may keep beside a `sentinel://` connection (a failover detector's subscriptions to the sentinels,
 * when one is on): `QUIT` ends the connection to the primary only, and they would keep the process alive.
 * @example
 * if (ownsConnection) await closeConnection(client);
 */
export async function closeConnection(connection: Closable): Promise<void> {
  if (connection.status === 'ready') await connection.quit().catch(() => undefined);
  connection.disconnect();
}
