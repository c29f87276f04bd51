import { Redis } from 'ioredis';
import { BeatStore, type BeatStoreOptions } from './store.js';

/** A {@link BeatStore} on its own Redis connection (`redis://` or `rediss://` URL), and how to close it. */
export function openBeatStore(url: string, options: BeatStoreOptions = {}): { store: BeatStore; close(): Promise<void> } {
  const redis = new Redis(url, { maxRetriesPerRequest: 3 });
  // A failure reaches the caller as the rejected command; the event would only repeat it.
  redis.on('error', () => undefined);
  return {
    store: new BeatStore(redis, options),
    close: async () => {
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
