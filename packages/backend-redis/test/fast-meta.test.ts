import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ResultMeta } from '@celerity/core';
import { fastJsonMeta, toCeleryMeta } from '../src/meta.js';
import { resultSerializer } from '../src/default-serializer.js';

const generic = (meta: ResultMeta): string => Buffer.from(resultSerializer(undefined).encode(toCeleryMeta(meta))).toString('latin1');
const meta = (result: unknown, extra: Partial<ResultMeta> = {}): ResultMeta =>
  ({ status: 'SUCCESS', result, traceback: null, children: [], date_done: '2026-11-23T18:46:42.215000+00:00', task_id: 'a-b-c', ...extra }) as ResultMeta;

describe('fastJsonMeta', () => {
  it('writes exactly the bytes of the generic path for plain results', () => {
    const plain = fc.oneof(fc.constant(null), fc.boolean(), fc.maxSafeInteger(), fc.string(), fc.double());
    fc.assert(
      fc.property(plain, fc.constantFrom('SUCCESS', 'FAILURE', 'STARTED'), fc.string(), (result, status, taskId) => {
        const m = meta(result, { status, task_id: taskId });
        const fast = fastJsonMeta(m);
        if (fast !== undefined) expect(fast).toBe(generic(m));
      }),
    );
    expect(fastJsonMeta(meta(4))).toBe(generic(meta(4)));
    expect(fastJsonMeta(meta('ok'))).toBe('{"status": "SUCCESS", "result": "ok", "traceback": null, "children": [], "date_done": "2026-11-23T18:46:42.215000+00:00", "task_id": "a-b-c"}');
  });

  it('writes any scalar result and traceback with the generic path\'s string and number writers', () => {
    for (const m of [meta(1.5), meta(2 ** 60), meta(-0), meta(1e-5), meta(NaN), meta(2n ** 64n), meta('é'), meta('a"b'), meta('\x7f'), meta(1, { traceback: 'Traceback…' })]) {
      const fast = fastJsonMeta(m);
      expect(fast).toBeDefined();
      expect(fast).toBe(generic(m));
    }
    expect(fastJsonMeta(meta('\x7f'))).toContain('"result": "\\u007f"');
  });

  it('writes each record\'s own date_done when the date changes between records (its JSON is kept per date)', () => {
    const dates = ['2026-11-23T18:46:42.215000+00:00', '2026-11-23T18:46:42.216000+00:00', 'a"b', null, '2026-11-23T18:46:42.216000+00:00'];
    for (const date of dates) {
      const m = meta(1, { date_done: date } as Partial<ResultMeta>);
      expect(fastJsonMeta(m)).toBe(generic(m));
    }
    expect(fastJsonMeta(meta(1, { date_done: 'a"b' } as Partial<ResultMeta>))).toContain('"date_done": "a\\"b"');
  });

  it('leaves everything else to the generic path', () => {
    for (const m of [
      meta([1]),
      meta({ a: 1 }),
      meta(1, { children: [[['x', null], null]] }),
      meta(1, { group_id: 'g' }),
      meta(1, { parent_id: 'p' }),
    ]) {
      expect(fastJsonMeta(m)).toBeUndefined();
    }
  });
});
