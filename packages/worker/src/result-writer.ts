/**
 * Collects result writes made in the same tick and sends them with one `storeMany`, so a busy
 * worker pays one backend round trip per batch instead of one per task.
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
 * @example
 * const writer = createResultWriter(backend, logger);
 * await writer.store(meta);
 */
export function createResultWriter(backend: ResultBackend, logger: Logger, maxBatch = 500): ResultWriter {
  let queue: Pending[] = [];
  let scheduled = false;
  let inFlight: Promise<void> = Promise.resolve();

  const send = async (batch: Pending[]): Promise<void> => {
    try {
      await backend.storeMany(batch.map((p) => p.meta));
      for (const p of batch) p.resolve();
    } catch (error) {
      logger.error(`Failed to store ${batch.length} result(s): ${(error as Error).message}`, { error });
      for (const p of batch) p.reject(error);
    }
  };

  const drain = (): void => {
    scheduled = false;
    while (queue.length > 0) {
      const batch = queue.length > maxBatch ? queue.splice(0, maxBatch) : queue;
      if (batch === queue) queue = [];
      // Batches go out in order so STARTED is never written after SUCCESS of the same task.
      inFlight = inFlight.then(() => send(batch));
    }
  };

  return {
    store(meta) {
      return new Promise<void>((resolve, reject) => {
        queue.push({ meta, resolve, reject });
        if (!scheduled) {
          scheduled = true;
          setImmediate(drain);
        }
      });
    },
    async flush() {
      drain();
      await inFlight;
    },
  };
}
