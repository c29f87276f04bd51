/** Loads the captured kombu vectors copied into `fixtures/redis` (see fixtures/README.md). */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('./fixtures/redis/', import.meta.url));

/** One stored or published envelope: the exact `raw` text and the fields Python parsed from it. */
export interface RawVector {
  file: string;
  index: number;
  raw: string;
  envelope: {
    body: string;
    'content-encoding': string;
    'content-type': string;
    headers: Record<string, unknown>;
    properties: Record<string, unknown> & { delivery_info: Record<string, unknown>; delivery_tag: string };
  };
  listKey?: string;
  channel?: string;
}

export function loadFixture(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(`${dir}${name}`, 'utf8')) as Record<string, unknown>;
}

/** Every item with a `raw` JSON envelope in every fixture file. */
export function rawVectors(): RawVector[] {
  const out: RawVector[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
    const data = loadFixture(file);
    const items = Array.isArray(data['items']) ? (data['items'] as Record<string, unknown>[]) : [];
    items.forEach((item, index) => {
      if (typeof item['raw'] !== 'string' || !item['raw'].startsWith('{')) return;
      const vector: RawVector = { file, index, raw: item['raw'], envelope: JSON.parse(item['raw']) as RawVector['envelope'] };
      if (typeof item['redis_list_key'] === 'string') vector.listKey = item['redis_list_key'];
      if (typeof item['channel'] === 'string') vector.channel = item['channel'];
      out.push(vector);
    });
  }
  return out;
}
