/**
 * The idle path of a consumer: BLMOVE from a queue's list into the consumer's in-flight list (see
 * inflight.ts) on a connection of its own, with kombu's poll interval as the timeout. Nothing is
 * ever held only in this process: what BLMOVE takes is in the in-flight list until the fetch script
 * records it, so the connection can be dropped at any moment without losing a message.
 */
import type { Redis } from 'ioredis';

/** What a blocking reader needs from its broker. */
export interface BlockingReaderHost {
  /** The command connection (CLIENT UNBLOCK). */
  readonly client: Redis;
  /** BLMOVE timeout, seconds. */
  readonly pollInterval: number;
  createBlockingClient(): Redis;
}

const CANCELLED = Symbol('cancelled');

function isUnknownCommand(error: unknown): boolean {
  return error instanceof Error && /unknown command/i.test(error.message);
}

/** BLMOVE (BRPOPLPUSH before Redis 6.2) on a dedicated connection, opened on first use. */
export class BlockingReader {
  private connection: Redis | undefined;
  private abort: (() => void) | undefined;
  private closed = false;
  private legacy = false;

  constructor(private readonly host: BlockingReaderHost) {}

  /**
   * Waits up to the poll interval for a message on `source` and moves it to `inflight`; true when one
   * moved, false on timeout or once closed. Whatever moved is in `inflight` either way.
   */
  async move(source: string, inflight: string): Promise<boolean> {
    if (this.closed) return false;
    this.connection ??= this.host.createBlockingClient();
    const connection = this.connection;
    const timeout = this.host.pollInterval;
    const aborted = new Promise<typeof CANCELLED>((resolve) => (this.abort = () => resolve(CANCELLED)));
    const moving = (this.legacy ? connection.brpoplpush(source, inflight, timeout) : connection.blmove(source, inflight, 'RIGHT', 'LEFT', timeout)).catch(
      (error: unknown) => {
        if (!isUnknownCommand(error) || this.legacy) throw error;
        this.legacy = true;
        return connection.brpoplpush(source, inflight, timeout);
      },
    );
    // A late failure after close() must not go unhandled.
    moving.catch(() => undefined);
    try {
      // ioredis may hold a blocking command across a reconnect and resend it; close() must not wait for that.
      const reply = await Promise.race([moving, aborted]);
      return reply !== CANCELLED && reply !== null;
    } finally {
      this.abort = undefined;
    }
  }

  /** Ends a pending `move` (it resolves false) and closes the connection. */
  async close(): Promise<void> {
    this.closed = true;
    const connection = this.connection;
    this.connection = undefined;
    const pending = this.abort !== undefined;
    this.abort?.();
    if (connection === undefined) return;
    // CLIENT UNBLOCK ends the BLMOVE as a timeout would, so the in-flight list the consumer gives
    // back next is final; a BLMOVE it misses ends by itself within the poll interval, and what it
    // moves is swept back once the consumer's registration lapses.
    if (pending && connection.status === 'ready') await this.unblock(connection).catch(() => undefined);
    connection.disconnect();
  }

  private async unblock(connection: Redis): Promise<void> {
    const name = connection.options.connectionName;
    if (name === undefined) return;
    const list = String(await this.host.client.call('CLIENT', 'LIST', 'TYPE', 'normal'));
    const line = list.split('\n').find((l) => l.includes(` name=${name} `));
    const id = line === undefined ? undefined : /(?:^|\s)id=(\d+)/.exec(line)?.[1];
    if (id !== undefined) await this.host.client.call('CLIENT', 'UNBLOCK', id);
  }
}
