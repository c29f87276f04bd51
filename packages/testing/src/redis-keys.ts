/**
 * Finding and removing the keys a test wrote on a shared Redis: SCAN with a pattern (never KEYS or
 * FLUSHDB, which would block or wipe the server for every other test run).
 */

/** The commands these helpers use; an ioredis client fits. */
export interface ScanClient {
  scan(cursor: string, match: 'MATCH', pattern: string, count: 'COUNT', n: number): Promise<[cursor: string, keys: string[]]>;
  del(...keys: string[]): Promise<number>;
}

/**
 * Every key matching a glob, by SCAN (a key may be listed twice if it moved during the scan).
 * @example
 * expect(await scanKeys(redis, `${prefix}celery-task-meta-*`)).toHaveLength(10);
 */
export async function scanKeys(client: ScanClient, pattern: string, count = 1000): Promise<string[]> {
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', count);
    cursor = next;
    for (const key of keys) found.push(key);
  } while (cursor !== '0');
  return found;
}

/**
 * Deletes every key matching a glob, a SCAN page at a time; returns how many were deleted.
 * @example
 * afterEach(() => deleteKeys(redis, `${prefix}*`));
 */
export async function deleteKeys(client: ScanClient, pattern: string): Promise<number> {
  let deleted = 0;
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) deleted += await client.del(...keys);
  } while (cursor !== '0');
  return deleted;
}
