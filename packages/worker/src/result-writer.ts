/**
 * Collects result writes and sends them with one `storeMany` per batch, so a busy worker pays one
 * backend round trip per batch instead of one per task, and an idle one writes without delay.
 */
import type { Logger, ResultBackend, ResultMeta, ResultRequest } from '@celerity/core';

/** Batches result stores. */
export interface ResultWriter {
  /** Resolves once the record is stored (rejects if the batch failed). `request`: see `ResultBackend.store`. */
  store(meta: ResultMeta, request?: ResultRequest): Promise<void>;
  /** Resolves when everything queued so far is written. */
  flush(): Promise<void>;
}

/**
 * Records that go out in one `storeMany`. Its records succeed or fail together, so they share one
 * promise: a store costs an array slot instead of a promise, its resolvers and a queue entry.
 */
class Batch {
  readonly metas: ResultMeta[] = [];
  /** The request of each record, by index; only made once a record comes with one. */
  requests: Array<ResultRequest | undefined> | undefined;
  readonly done: Promise<void>;
  resolve!: () => void;
  reject!: (error: unknown) => void;
  constructor() {
    this.done = new Promise<void>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }
}

/**
 * One batch in flight at a time: a write starts at once (one microtask later, so results finished
 * in the same burst share it) when nothing is in flight, and otherwise waits for the batch in flight,
 * so the batch size follows the load (one result when idle, hundreds when busy) without a timer.
 * @example
 * const writer = createResultWriter(backend, logger);
 * await writer.store(meta);
 */
export function createResultWriter(backend: ResultBackend, logger: Logger, maxBatch = 500): ResultWriter {
  // Batches not sent yet, oldest first; only the last one takes new records.
  const queue: Batch[] = [];
  let scheduled = false;
  let busy = false;
  let drained: Array<() => void> = [];

  const send = async (batch: Batch): Promise<void> => {
    try {
      await (batch.requests === undefined ? backend.storeMany(batch.metas) : backend.storeMany(batch.metas, batch.requests));
      batch.resolve();
    } catch (error) {
      logger.error(`Failed to store ${batch.metas.length} result(s): ${(error as Error).message}`, { error });
      batch.reject(error);
    }
  };

  // Batches go out one after the other, so STARTED is never written after SUCCESS of the same task.
  const drain = (): void => {
    scheduled = false;
    if (busy) return;
    const batch = queue.shift();
    if (batch === undefined) {
      const waiters = drained;
      drained = [];
      for (const resolve of waiters) resolve();
      return;
    }
    busy = true;
    void send(batch).finally(() => {
      busy = false;
      drain();
    });
  };

  return {
    store(meta, request) {
      let batch = queue[queue.length - 1];
      if (batch === undefined || batch.metas.length >= maxBatch) {
        batch = new Batch();
        queue.push(batch);
      }
      if (request !== undefined) {
        batch.requests ??= new Array<ResultRequest | undefined>(batch.metas.length);
        batch.requests[batch.metas.length] = request;
      } else if (batch.requests !== undefined) batch.requests[batch.metas.length] = undefined;
      batch.metas.push(meta);
      if (!scheduled && !busy) {
        scheduled = true;
        queueMicrotask(drain);
      }
      return batch.done;
    },
    flush() {
      return new Promise<void>((resolve) => {
        drained.push(resolve);
        if (!scheduled) drain();
      });
    },
  };
}
