/**
 * The dashboard's side of a worker record (merged from events in `@celerity/core/internal`): its
 * language, and reading one back from the store.
 */
import type { WorkerRecord } from '@celerity/core/internal';

/** `python` for Celery's `py-celery`, `typescript` for Celerity. */
export function languageOf(ident: string | null): 'python' | 'typescript' | null {
  if (ident === null) return null;
  if (ident.startsWith('py-')) return 'python';
  if (ident === 'celerity') return 'typescript';
  return null;
}

/** Parses a stored record; null when it is not one. */
export function parseWorkerRecord(text: string): WorkerRecord | null {
  try {
    const value = JSON.parse(text) as Partial<WorkerRecord>;
    return typeof value.hostname === 'string' && typeof value.lastSeen === 'number' ? (value as WorkerRecord) : null;
  } catch {
    return null;
  }
}
