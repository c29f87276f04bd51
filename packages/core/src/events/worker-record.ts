/**
 * A worker as its events describe it (worker-online / heartbeat / offline), merged the way Celery's
 * `events.state.State` does: one definition for `celerity events` and the dashboard.
 */
import type { CeleryEvent } from './messages.js';

export interface WorkerRecord {
  hostname: string;
  /** Seconds since the epoch of the last event from it. */
  lastSeen: number;
  /** Seconds between its heartbeats. */
  freq: number;
  offline: boolean;
  active: number | null;
  processed: number | null;
  loadavg: number[] | null;
  /** `sw_ident sw_ver`. */
  software: string | null;
  /** `sw_ident` alone (py-celery, celerity). */
  ident: string | null;
}

const str = (value: unknown): string | null => (typeof value === 'string' ? value : null);
const num = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) ? value : null);

/** The record after a `worker-*` event. */
export function mergeWorkerEvent(record: WorkerRecord | undefined, event: CeleryEvent, now: number): WorkerRecord {
  const hostname = str(event.hostname) ?? record?.hostname ?? '';
  const timestamp = num(event.timestamp) ?? now;
  const next: WorkerRecord = record
    ? { ...record }
    : { hostname, lastSeen: timestamp, freq: 2, offline: false, active: null, processed: null, loadavg: null, software: null, ident: null };
  next.lastSeen = Math.max(next.lastSeen, timestamp);
  next.freq = num(event['freq']) ?? next.freq;
  next.offline = event.type === 'worker-offline';
  next.active = num(event['active']) ?? next.active;
  next.processed = num(event['processed']) ?? next.processed;
  const load = event['loadavg'];
  if (Array.isArray(load)) next.loadavg = load.filter((v): v is number => typeof v === 'number');
  const ident = str(event['sw_ident']);
  if (ident !== null) {
    next.ident = ident;
    next.software = `${ident} ${str(event['sw_ver']) ?? ''}`.trim();
  }
  return next;
}

/** Online: not gone offline, and heard from within twice its heartbeat interval. */
export function isWorkerOnline(record: WorkerRecord, now: number): boolean {
  return !record.offline && now - record.lastSeen <= record.freq * 2;
}
