/**
 * The harness side of the ledger: reads every `<pid>.log` in the directory incrementally (only the
 * bytes added since the last poll), so progress can be watched during a run without re-reading.
 */
import { closeSync, existsSync, fstatSync, openSync, readSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { LedgerEvent } from './record.js';
import { parseRecord } from './record.js';

/** What has been read so far. */
export interface LedgerReader {
  /** Reads what was appended since the last call; returns the new events. */
  poll(): LedgerEvent[];
  /** Every event read so far, in file-then-line order (not time order). */
  readonly events: readonly LedgerEvent[];
  /** Ids with at least one `done` record so far. */
  readonly completed: ReadonlySet<string>;
  /** Time of the latest `done` record so far (0 before the first). */
  readonly lastDoneAt: number;
}

interface FileState {
  offset: number;
  /** A line whose newline has not been written yet. */
  partial: string;
}

/**
 * @example
 * const ledger = createLedgerReader(dir);
 * ledger.poll();
 * console.log(ledger.completed.size);
 */
export function createLedgerReader(dir: string): LedgerReader {
  const files = new Map<string, FileState>();
  const events: LedgerEvent[] = [];
  const completed = new Set<string>();
  let lastDoneAt = 0;
  const buffer = Buffer.alloc(1 << 20);

  const readFile = (name: string, state: FileState, out: LedgerEvent[]): void => {
    const fd = openSync(join(dir, name), 'r');
    try {
      const size = fstatSync(fd).size;
      while (state.offset < size) {
        const n = readSync(fd, buffer, 0, Math.min(buffer.length, size - state.offset), state.offset);
        if (n === 0) break;
        state.offset += n;
        const text = state.partial + buffer.toString('utf8', 0, n);
        const lines = text.split('\n');
        state.partial = lines.pop() ?? '';
        for (const line of lines) {
          const event = parseRecord(line);
          if (event !== undefined) out.push(event);
        }
      }
    } finally {
      closeSync(fd);
    }
  };

  return {
    poll() {
      if (!existsSync(dir)) return [];
      const fresh: LedgerEvent[] = [];
      for (const name of readdirSync(dir)) {
        if (!name.endsWith('.log')) continue;
        let state = files.get(name);
        if (state === undefined) files.set(name, (state = { offset: 0, partial: '' }));
        readFile(name, state, fresh);
      }
      for (const event of fresh) {
        events.push(event);
        if (event.kind === 'done') {
          completed.add(event.id);
          if (event.t > lastDoneAt) lastDoneAt = event.t;
        }
      }
      return fresh;
    },
    events,
    completed,
    get lastDoneAt() {
      return lastDoneAt;
    },
  };
}
