/**
 * `celerity events --dump` lines, as Celery's event dumper (`celery/events/dumper.py`) prints them:
 * `<hostname> [<UTC time>] <type>: <fields sorted by name>` (`started`, `heartbeat`, `shutdown` for
 * worker events, the type with spaces for the others); task events show the task
 * as `name(uuid) args=… kwargs=…`, remembered from its `task-received` / `task-sent`.
 */
import type { CeleryEvent } from '@celerity/core/internal';

/** Python's `str()` of a JSON value in a dumped field. */
function pythonStr(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return `[${value.map((item) => (typeof item === 'string' ? `'${item}'` : pythonStr(item))).join(', ')}]`;
  if (typeof value === 'object') return `{${Object.entries(value).map(([k, v]) => `'${k}': ${typeof v === 'string' ? `'${v}'` : pythonStr(v)}`).join(', ')}}`;
  return String(value);
}

/** Python's `str(datetime.utcfromtimestamp(t))`: `2026-11-23 18:48:30.422714`. */
export function utcTimestamp(seconds: number): string {
  const date = new Date(Math.floor(seconds * 1000));
  const micros = Math.round((seconds - Math.floor(seconds)) * 1e6) % 1e6;
  const base = date.toISOString().slice(0, 19).replace('T', ' ');
  return micros === 0 ? base : `${base}.${String(micros).padStart(6, '0')}`;
}

// Celery's dumper names the worker events this way (HUMAN_TYPES); others lose their dashes.
const HUMAN_TYPES: Readonly<Record<string, string>> = { 'worker-offline': 'shutdown', 'worker-online': 'started', 'worker-heartbeat': 'heartbeat' };

/** Formats events as Celery's dumper; keeps the task names it has seen. */
export class EventDumper {
  private readonly taskNames = new Map<string, string>();

  /** The line of one event. */
  format(event: CeleryEvent): string {
    const { timestamp, type: rawType, hostname, ...rest } = event;
    const type = rawType.toLowerCase();
    const when = typeof timestamp === 'number' ? utcTimestamp(timestamp) : String(timestamp);
    const fields: Record<string, unknown> = rest;
    let task: string | undefined;
    if (type.startsWith('task-')) {
      const uuid = String(fields['uuid'] ?? '');
      delete fields['uuid'];
      if (type === 'task-received' || type === 'task-sent') {
        task = `${pythonStr(fields['name'])}(${uuid}) args=${pythonStr(fields['args'])} kwargs=${pythonStr(fields['kwargs'])}`;
        for (const key of ['name', 'args', 'kwargs']) delete fields[key];
        this.taskNames.set(uuid, task);
        // Celery's dumper forgets nothing; bounded here so a long dump does not grow without end.
        if (this.taskNames.size > 10_000) this.taskNames.delete(this.taskNames.keys().next().value!);
      } else task = this.taskNames.get(uuid) ?? '';
    }
    const joined = Object.keys(fields)
      .sort()
      .map((key) => `${key}=${pythonStr(fields[key])}`)
      .join(', ');
    const sep = joined ? ':' : '';
    const humanized = HUMAN_TYPES[type] ?? type.replace(/-/g, ' ');
    return task === undefined ? `${String(hostname)} [${when}] ${humanized}${sep} ${joined}` : `${String(hostname)} [${when}] ${humanized}${sep} ${task} ${joined}`;
  }
}
