/**
 * The idle path of a consumer: BLMOVE from a queue's list into the consumer's in-flight list (see
 * inflight.ts) on a connection of its own, with kombu's poll interval as the timeout, and a command
 * queued right behind it (the fetch script that records what moved). Nothing is ever held only in
 * this process: what BLMOVE takes is in the in-flight list until that script records it.
 */
import { isCluster, type RedisClient } from '@celerity/redis-common/internal';

/** What a blocking reader needs from its broker. */
export interface BlockingReaderHost {
  /** The command connection (CLIENT UNBLOCK). */
  readonly client: RedisClient;
  /** BLMOVE timeout, seconds. */
  readonly pollInterval: number;
  createBlockingClient(): RedisClient;
}

const CANCELLED = Symbol('cancelled');

function isUnknownCommand(error: unknown): boolean {
  return error instanceof Error && /unknown command/i.test(error.message);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** BLMOVE (BRPOPLPUSH before Redis 6.2) on a dedicated connection, opened on first use. */
export class BlockingReader {
  private connection: RedisClient | undefined;
  private pending: { settled: Promise<unknown>; abort: () => void } | undefined;
  private closed = false;
  private legacy = false;
  /** The blocking connection's server id (reset when it reconnects: a new connection, a new id). */
  private id: { connection: RedisClient; value: string } | undefined;

  constructor(private readonly host: BlockingReaderHost) {}

  /**
   * Waits up to the poll interval for a message on `source`, moves it to `inflight`, and resolves
   * with what `then` resolves: `then` sends its command on the same connection, written in the same
   * packet as the BLMOVE, so Redis runs it as soon as the BLMOVE ends (moved or timed out).
   * `undefined` once closed. `first`, when given, sends its command(s) on the connection ahead of
   * the BLMOVE, in the same packet: Redis runs them before it blocks.
   */
  async move<T>(source: string, inflight: string, then: (connection: RedisClient) => Promise<T>, first?: (connection: RedisClient) => void): Promise<T | undefined> {
    if (this.closed) return undefined;
    this.connection ??= this.host.createBlockingClient();
    const connection = this.connection;
    const timeout = this.host.pollInterval;
    const stream = (connection as unknown as { stream?: { cork?: () => void; uncork?: () => void } }).stream;
    stream?.cork?.();
    let moving: Promise<unknown>;
    let following: Promise<T>;
    try {
      first?.(connection);
      moving = this.legacy ? connection.brpoplpush(source, inflight, timeout) : connection.blmove(source, inflight, 'RIGHT', 'LEFT', timeout);
      following = then(connection);
    } finally {
      stream?.uncork?.();
    }
    moving.catch((error: unknown) => {
      // Redis before 6.2: the next wait uses BRPOPLPUSH; this one's follow-up still polled the lists.
      if (isUnknownCommand(error)) this.legacy = true;
    });
    let abort!: () => void;
    const aborted = new Promise<typeof CANCELLED>((resolve) => (abort = () => resolve(CANCELLED)));
    const settled = following.then(
      () => undefined,
      () => undefined,
    );
    this.pending = { settled, abort };
    try {
      // ioredis may hold a blocking command across a reconnect and resend it; close() must not wait for that.
      const reply = await Promise.race([following, aborted]);
      return reply === CANCELLED ? undefined : reply;
    } finally {
      if (this.pending?.settled === settled) this.pending = undefined;
    }
  }

  /**
   * Ends the pending `move`'s BLMOVE early, as a timeout would, so the fetch behind it runs now (a
   * watcher saw a message on another list). The BLMOVE may not have reached Redis yet when this is
   * called (it travels on another connection), so CLIENT UNBLOCK is repeated every few milliseconds
   * until it ends one or the move is over. No-op when nothing is pending.
   */
  async interrupt(): Promise<void> {
    const pending = this.pending;
    const connection = this.connection;
    if (pending === undefined || connection === undefined || isCluster(connection)) return;
    let over = false;
    void pending.settled.then(() => (over = true));
    const deadline = Date.now() + this.host.pollInterval * 1000;
    while (!over && this.pending === pending && Date.now() < deadline) {
      if ((await this.unblock(connection).catch(() => false)) || over) return;
      await sleep(5);
    }
  }

  /**
   * Ends a pending `move` and closes the connection. On a live connection CLIENT UNBLOCK ends the
   * BLMOVE as a timeout would and the follow-up runs and is answered (so `move` resolves with it and
   * the consumer gives back whatever it took); otherwise the wait is abandoned.
   */
  async close(): Promise<void> {
    this.closed = true;
    const connection = this.connection;
    this.connection = undefined;
    const pending = this.pending;
    if (connection === undefined) return;
    if (pending !== undefined && connection.status === 'ready') {
      await this.unblock(connection).catch(() => undefined);
      await Promise.race([pending.settled, sleep(this.host.pollInterval * 1000 + 1000)]);
    }
    pending?.abort();
    connection.disconnect();
  }

  /** CLIENT UNBLOCK of the blocking connection; whether it ended a blocked command. */
  private async unblock(connection: RedisClient): Promise<boolean> {
    // On a cluster CLIENT LIST would go to any node, not the one blocking: the wait runs out instead.
    if (isCluster(connection)) return false;
    const id = await this.clientId(connection);
    if (id === undefined) return false;
    return Number(await this.host.client.call('CLIENT', 'UNBLOCK', id)) === 1;
  }

  /** The server's id of the blocking connection, found by its name once per connect. */
  private async clientId(connection: RedisClient): Promise<string | undefined> {
    if (this.id !== undefined && this.id.connection === connection) return this.id.value;
    if (isCluster(connection)) return undefined;
    const name = connection.options.connectionName;
    if (name === undefined) return undefined;
    const list = String(await this.host.client.call('CLIENT', 'LIST', 'TYPE', 'normal'));
    const line = list.split('\n').find((l) => l.includes(` name=${name} `));
    const value = line === undefined ? undefined : /(?:^|\s)id=(\d+)/.exec(line)?.[1];
    if (value === undefined) return undefined;
    if (this.id?.connection !== connection) connection.on('ready', () => (this.id = undefined));
    this.id = { connection, value };
    return value;
  }
}
