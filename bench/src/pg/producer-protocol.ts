/** Messages between the bench and a PostgreSQL producer child (over Node's IPC channel). */

/** How long a row of round trips runs: at least `count` round trips and `minMs`, at most `maxMs`. */
export interface RoundTripPlan {
  count: number;
  minMs: number;
  maxMs: number;
}

/** A request; the child answers each with a {@link ProducerReply} carrying the same `seq`. */
export type ProducerRequest =
  /** `count` `add(i, i)` jobs, each send awaited; answers `{ ms }`. */
  | { op: 'enqueueOne'; count: number }
  /** `count` jobs through the bulk API, `batchSize` per call; answers `{ ms }`. */
  | { op: 'enqueueBulk'; count: number; batchSize: number }
  /** Round trips in a row; answers `{ latencies }` in ms. */
  | { op: 'roundTrips'; plan: RoundTripPlan }
  /** Deletes every job of the queue; answers `{}`. */
  | { op: 'clear' }
  /** Answers `{ stored, pending }`: jobs with a stored result, and jobs not finished. */
  | { op: 'count' };

/** The name of a request. */
export type ProducerOp = ProducerRequest['op'];

/** What a request answers, by name. */
export interface ProducerAnswers {
  enqueueOne: { ms: number };
  enqueueBulk: { ms: number };
  roundTrips: { latencies: number[] };
  clear: Record<string, never>;
  count: { stored: number; pending: number };
}

/** What the bench sends. */
export type ToProducer = { type: 'call'; seq: number; request: ProducerRequest } | { type: 'exit' };

/** What a producer child sends. */
export type FromProducer =
  /** Connected, schema installed and queue made: `node` is the version running the child. */
  | { type: 'ready'; pid: number; node: string }
  | { type: 'reply'; seq: number; ok: true; value: unknown }
  | { type: 'reply'; seq: number; ok: false; message: string }
  /** Setting up failed. */
  | { type: 'failed'; message: string };

/** The producer side of a peer, as its child module builds it. */
export interface PgProducer {
  enqueueOne(count: number): Promise<void>;
  enqueueBulk(count: number, batchSize: number): Promise<void>;
  /** Sends `add(x, y)` and resolves with the result once the producer sees it. */
  roundTrip(x: number, y: number): Promise<number>;
  clear(): Promise<void>;
  count(): Promise<{ stored: number; pending: number }>;
  close(): Promise<void>;
}
