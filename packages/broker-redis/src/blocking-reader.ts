/**
 * The idle path of a consumer: BRPOP over its lists (kombu's order and timeout) on a connection of its
 * own, which can be abandoned on cancel without losing what it pops.
 */
import type { Redis } from 'ioredis';

/** What a blocking reader needs from its broker. */
export interface BlockingReaderHost {
  /** The command connection (CLIENT UNBLOCK, pushing items back). */
  readonly client: Redis;
  /** BRPOP timeout, seconds. */
  readonly pollInterval: number;
  createBlockingClient(): Redis;
}

/** An item taken with BRPOP: the list it came from and its exact bytes. */
export interface PoppedItem {
  key: string;
  raw: Buffer;
  /** Whether any of the lists still held something right after the pop. */
  more: boolean;
}

const CANCELLED = Symbol('cancelled');

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

interface Pending {
  brpop: Promise<unknown>;
  /** Exactly one side (the pop, or close() giving it back) may take what the BRPOP returned. */
  claim(): boolean;
  /** Ends the pop's wait (close()). */
  abort(): void;
}

function asItem(reply: unknown): Omit<PoppedItem, 'more'> | undefined {
  if (!Array.isArray(reply) || reply.length < 2) return undefined;
  return { key: String(reply[0]), raw: reply[1] as Buffer };
}

/** BRPOP on a dedicated connection, opened on first use. */
export class BlockingReader {
  private connection: Redis | undefined;
  private pending: Pending | undefined;
  private closed = false;

  constructor(private readonly host: BlockingReaderHost) {}

  /** Waits up to the poll interval for an item; `undefined` on timeout or once closed. */
  async pop(keys: readonly string[]): Promise<PoppedItem | undefined> {
    if (this.closed) return undefined;
    this.connection ??= this.host.createBlockingClient();
    const connection = this.connection;
    // EXISTS is queued behind the BRPOP on the same connection (one write), so Redis runs it right after
    // the pop: it tells whether to fetch a batch next or block again, in the same round trip (lists
    // vanish when empty).
    const stream = (connection as unknown as { stream?: { cork?: () => void; uncork?: () => void } }).stream;
    stream?.cork?.();
    let brpop: Promise<unknown>;
    let exists: Promise<boolean>;
    try {
      brpop = connection.callBuffer('BRPOP', ...keys, this.host.pollInterval) as Promise<unknown>;
      exists = connection.exists(...keys).then(
        (count) => count > 0,
        () => true,
      );
    } finally {
      stream?.uncork?.();
    }
    // Read as soon as it settles: Redis answers EXISTS in the same write as the BRPOP it follows, so
    // it is known by the time the pop resumes, and the pop does not wait a turn for it.
    let more: boolean | undefined;
    void exists.then((value) => (more = value));
    let claimed = false;
    // Per pop, not per reader: a race against a promise that outlives the pop would leave a reaction
    // on it for every pop, for as long as the reader lives.
    let abort!: () => void;
    const aborted = new Promise<typeof CANCELLED>((resolve) => (abort = () => resolve(CANCELLED)));
    const pending: Pending = { brpop, claim: () => !claimed && (claimed = true), abort };
    this.pending = pending;
    try {
      // ioredis may hold a BRPOP across a reconnect and resend it; close() must not wait for that.
      const reply = await Promise.race([brpop, aborted]);
      if (reply === CANCELLED || !pending.claim()) return undefined;
      const item = asItem(reply);
      if (item === undefined) return undefined;
      more ??= (await Promise.race([exists, aborted])) !== false;
      return { key: item.key, raw: item.raw, more };
    } finally {
      if (this.pending === pending) this.pending = undefined;
    }
  }

  /** Ends a pending `pop` (it resolves `undefined`) and closes the connection without losing a popped item. */
  async close(): Promise<void> {
    this.closed = true;
    const connection = this.connection;
    this.connection = undefined;
    const pending = this.pending;
    pending?.abort();
    if (connection === undefined) return;
    if (pending !== undefined) {
      const givenBack = pending.brpop.then(
        async (late) => {
          const item = asItem(late);
          if (item !== undefined && pending.claim()) await this.host.client.rpush(item.key, item.raw);
        },
        () => undefined,
      );
      if (connection.status === 'ready') {
        // CLIENT UNBLOCK ends the BRPOP as a timeout would (nothing popped); otherwise it ends by itself
        // within the poll interval. Anything it did pop is pushed back.
        await this.unblock(connection).catch(() => undefined);
        await Promise.race([givenBack, sleep(this.host.pollInterval * 1000 + 1000)]);
      }
    }
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
