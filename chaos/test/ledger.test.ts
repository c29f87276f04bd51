import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLedgerReader } from '../src/ledger/reader.js';
import { formatRecord, parseRecord } from '../src/ledger/record.js';
import { openLedgerWriter } from '../src/ledger/writer.js';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'chaos-ledger-test-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('ledger', () => {
  it('round-trips a record and rejects what is not one', () => {
    const event = { kind: 'done' as const, id: 'abc-1', pid: 42, t: 1700000000123, retries: 2 };
    expect(parseRecord(formatRecord(event).trimEnd())).toEqual(event);
    expect(parseRecord('s abc 42')).toBeUndefined();
    expect(parseRecord('x abc 42 1 0')).toBeUndefined();
    expect(() => formatRecord({ ...event, id: 'has space' })).toThrow(TypeError);
  });

  it('reads what writers of several processes append, incrementally', () => {
    const dir = tempDir();
    let now = 1000;
    const one = openLedgerWriter(dir, { pid: 1, now: () => now++ });
    const two = openLedgerWriter(dir, { pid: 2, now: () => now++ });
    const reader = createLedgerReader(dir);
    one.started('a', 0);
    two.started('b', 0);
    expect(reader.poll()).toHaveLength(2);
    expect(reader.completed.size).toBe(0);
    one.done('a', 0);
    const fresh = reader.poll();
    expect(fresh).toEqual([{ kind: 'done', id: 'a', pid: 1, t: 1002, retries: 0 }]);
    expect([...reader.completed]).toEqual(['a']);
    expect(reader.events).toHaveLength(3);
    expect(reader.poll()).toEqual([]);
    one.close();
    two.close();
  });

  it('holds back a line whose newline is not written yet', () => {
    const dir = tempDir();
    const reader = createLedgerReader(dir);
    appendFileSync(join(dir, '9.log'), 's a 9 1 0\nd a 9');
    expect(reader.poll().map((e) => e.kind)).toEqual(['start']);
    appendFileSync(join(dir, '9.log'), ' 2 0\n');
    expect(reader.poll()).toEqual([{ kind: 'done', id: 'a', pid: 9, t: 2, retries: 0 }]);
    expect(reader.lastDoneAt).toBe(2);
  });
});
