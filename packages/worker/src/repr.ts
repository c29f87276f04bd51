/** Short Python-looking renderings of values for log lines (`8`, `'abc'`, `{'a': 1}`). */

const MAX = 256;

function render(value: unknown, depth: number): string {
  if (value === null || value === undefined) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'number') return Number.isNaN(value) ? 'nan' : value === Infinity ? 'inf' : value === -Infinity ? '-inf' : String(value);
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'string') return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n')}'`;
  if (value instanceof Date) return `'${value.toISOString()}'`;
  if (value instanceof Uint8Array) return `b'<${value.byteLength} bytes>'`;
  if (depth > 4) return '...';
  if (Array.isArray(value)) return `[${value.map((v) => render(v, depth + 1)).join(', ')}]`;
  if (typeof value === 'object') {
    return `{${Object.entries(value as Record<string, unknown>).map(([k, v]) => `'${k}': ${render(v, depth + 1)}`).join(', ')}}`;
  }
  return String(value);
}

/** A Python-style repr cut to 256 characters, as Celery's log lines show results. */
export function shortRepr(value: unknown): string {
  const text = render(value, 0);
  return text.length > MAX ? `${text.slice(0, MAX - 3)}...` : text;
}
