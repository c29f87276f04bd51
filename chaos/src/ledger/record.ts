/**
 * One line of the ledger: what a task body did, written by the task itself in the worker process.
 * Plain text (`s <id> <pid> <ms> <retries>`) so a half-dead run can still be read with `grep`.
 */

/** `start`: the body began; `done`: the body ran to its end. */
export type LedgerKind = 'start' | 'done';

/** A record of one step of one execution of a task. */
export interface LedgerEvent {
  kind: LedgerKind;
  /** Task id. */
  id: string;
  /** Worker process that ran it. */
  pid: number;
  /** Wall-clock milliseconds (`Date.now()` of the worker; same machine as the harness). */
  t: number;
  /** `ctx.retries` when the body ran (0 unless the task retried itself). */
  retries: number;
}

const CODE: Record<LedgerKind, string> = { start: 's', done: 'd' };

/** The line written for an event, newline included. */
export function formatRecord(event: LedgerEvent): string {
  if (/\s/.test(event.id)) throw new TypeError(`task id ${JSON.stringify(event.id)} has whitespace; the ledger cannot record it`);
  return `${CODE[event.kind]} ${event.id} ${event.pid} ${event.t} ${event.retries}\n`;
}

/** Parses one line (without its newline); `undefined` for anything else (a torn last line). */
export function parseRecord(line: string): LedgerEvent | undefined {
  const parts = line.split(' ');
  if (parts.length !== 5) return undefined;
  const [code, id, pid, t, retries] = parts as [string, string, string, string, string];
  const kind: LedgerKind | undefined = code === 's' ? 'start' : code === 'd' ? 'done' : undefined;
  const numbers = [Number(pid), Number(t), Number(retries)];
  if (kind === undefined || id === '' || numbers.some((n) => !Number.isInteger(n))) return undefined;
  return { kind, id, pid: numbers[0]!, t: numbers[1]!, retries: numbers[2]! };
}
