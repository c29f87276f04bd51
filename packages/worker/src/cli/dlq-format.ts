/** How `celerity dlq` shows dead letters: JSON shapes for `--json`, aligned text otherwise. */
import type { DeadLetter } from '@celerity/core';
import { renderTable } from './output.js';

/** One entry as `dlq list --json` prints it. */
export interface DeadLetterSummary {
  id: string;
  queue: string;
  task: string | null;
  reason: string;
  deliveries: number | null;
  deadAt: string | null;
  error: string | null;
}

/** One entry as `dlq show --json` prints it: the summary, and the message itself. */
export interface DeadLetterDetail extends DeadLetterSummary {
  contentType: string | null;
  contentEncoding: string | null;
  headers: Record<string, unknown>;
  properties: Record<string, unknown>;
  /** The body (or the raw item when it is not a message) as text when it is UTF-8, else base64. */
  body: string;
  bodyEncoding: 'utf-8' | 'base64';
}

export function summarizeDeadLetter(entry: DeadLetter): DeadLetterSummary {
  return {
    id: entry.id,
    queue: entry.queue,
    task: entry.task,
    reason: entry.reason,
    deliveries: entry.deliveries,
    deadAt: entry.deadAt?.toISOString() ?? null,
    error: entry.error,
  };
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function bodyOf(bytes: Uint8Array): { body: string; bodyEncoding: 'utf-8' | 'base64' } {
  try {
    return { body: utf8.decode(bytes), bodyEncoding: 'utf-8' };
  } catch {
    return { body: Buffer.from(bytes).toString('base64'), bodyEncoding: 'base64' };
  }
}

/** Header values JSON can show: bigints as numbers (or strings past 2^53), bytes as base64, dates as ISO. */
function plain(value: unknown): unknown {
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(plain);
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  return value;
}

export function describeDeadLetter(entry: DeadLetter): DeadLetterDetail {
  const envelope = entry.envelope;
  return {
    ...summarizeDeadLetter(entry),
    contentType: envelope?.contentType ?? null,
    contentEncoding: envelope?.contentEncoding ?? null,
    headers: plain(envelope?.headers ?? {}) as Record<string, unknown>,
    properties: plain(envelope?.properties ?? {}) as Record<string, unknown>,
    ...bodyOf(envelope?.body ?? entry.raw ?? new Uint8Array()),
  };
}

function clip(text: string, width: number): string {
  const line = text.replace(/\s+/g, ' ');
  return line.length <= width ? line : `${line.slice(0, width - 1)}…`;
}

/** The entries as an aligned table, one line each (boxed on a terminal). */
export function renderDeadLetterTable(entries: readonly DeadLetter[]): string {
  const header = ['ID', 'TASK', 'REASON', 'DELIVERIES', 'DEAD AT', 'ERROR'];
  const rows = entries.map((e) => [e.id, e.task ?? '-', e.reason, e.deliveries === null ? '-' : String(e.deliveries), e.deadAt?.toISOString() ?? '-', clip(e.error ?? '-', 60)]);
  return renderTable(header, rows);
}

/** One entry in full, for `dlq show`. */
export function renderDeadLetter(entry: DeadLetter): string {
  const d = describeDeadLetter(entry);
  const lines = [
    `id:           ${d.id}`,
    `queue:        ${d.queue}`,
    `task:         ${d.task ?? '-'}`,
    `reason:       ${d.reason}`,
    `deliveries:   ${d.deliveries ?? '-'}`,
    `dead at:      ${d.deadAt ?? '-'}`,
    `error:        ${d.error ?? '-'}`,
    `content type: ${d.contentType ?? '- (not a message)'}`,
    `headers:      ${JSON.stringify(d.headers)}`,
    `body (${d.bodyEncoding}):`,
    d.body,
  ];
  return `${lines.join('\n')}\n`;
}
