/** Tasks sent ahead of a run, for the parts that start their workers before the clock (features, scale). */
import { createRedisBroker } from '@celerity/broker-redis';
import { createClient } from '@celerity/client';

/** The bench's Redis URL on another db. */
export function onDb(url: string, db: number): string {
  const parsed = new URL(url);
  parsed.pathname = `/${db}`;
  return parsed.toString();
}

/**
 * Sends `count` `add(i, i)` tasks with Celerity's client in batches of 1,000 (`sendMany`), each with
 * `options` (e.g. an ETA).
 */
export async function sendAdds(url: string, queue: string, count: number, options: { eta?: Date } = {}): Promise<void> {
  const broker = createRedisBroker({ url });
  const client = createClient({ broker, defaultQueue: queue });
  try {
    for (let start = 0; start < count; start += 1000) {
      const items = [];
      for (let i = start; i < Math.min(count, start + 1000); i++) items.push({ task: 'tasks.add', args: [i, i], options });
      await client.sendMany(items);
    }
  } finally {
    await client.close();
    await broker.close();
  }
}
