/** Closing a connection this package's users own. */

/** The part of an ioredis connection closing uses. */
export interface Closable {
  readonly status: string;
  quit(): Promise<unknown>;
  disconnect(): void;
}

/**
 * Closes a connection: `QUIT` when it is ready (the server sees a clean goodbye and replies already
 * on their way still arrive), a plain disconnect otherwise or when `QUIT` fails; it never rejects.
 * Reconnecting stops either way.
 * @example
 * if (ownsConnection) await closeConnection(client);
 */
export async function closeConnection(connection: Closable): Promise<void> {
  if (connection.status !== 'ready') {
    connection.disconnect();
    return;
  }
  await connection.quit().catch(() => connection.disconnect());
}
