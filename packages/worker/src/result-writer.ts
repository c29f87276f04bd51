/**
 * Collects result writes and sends them with one `storeMany` per batch, so a busy worker pays one
 * backend round trip per batch instead of one per task, and an idle one writes without delay.
 */
import type { Logger, ResultBackend, ResultMeta } from '@celerity/core';

/** Batches result stores. */
export interface ResultWriter {
  /** Resolves once the record is stored (rejects if the batch failed). */
  store(meta: ResultMeta): Promise<void>;
  /** Resolves when everything queued so far is written. */
  flush(): Promise<void>;
}

interface Pending {
  meta: ResultMeta;
  resolve: () => void;
  reject: (error: unknown) => void;
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
  let queue: Pending[] = [];
  let scheduled = false;
  let busy = false;
  let drained: Array<() => void> = [];

  const send = async (batch: Pending[]): Promise<void> => {
    try {
      await backend.storeMany(batch.map((p) => p.meta));
      for (const p of batch) p.resolve();
    } catch (error) {
      logger.error(`Failed to store ${batch.length} result(s): ${(error as Error).message}`, { error });
      for (const p of batch) p.reject(error);
    }
  };

  // Batches go out one after the other, so STARTED is never written after SUCCESS of the same task.
  const drain = (): void => {
    scheduled = false;
    if (busy) return;
    if (queue.length === 0) {
      const waiters = drained;
      drained = [];
      for (const resolve of waiters) resolve();
      return;
    }
    const batch = queue.length > maxBatch ? queue.splice(0, maxBatch) : queue;
    if (batch === queue) queue = [];
    busy = true;
    void send(batch).finally(() => {
      busy = false;
      drain();
    });
  };

  return {
    store(meta) {
      return new Promise<void>((resolve, reject) => {
        queue.push({ meta, resolve, reject });
        if (!scheduled && !busy) {
          scheduled = true;
          queueMicrotask(drain);
        }
      });
    },
    flush() {
      return new Promise<void>((resolve) => {
        drained.push(resolve);
        if (!scheduled) drain();
      });
    },
  };
}
