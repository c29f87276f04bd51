// STUB — to be implemented.
/** `2026-11-23T18:46:42.215765+00:00`: the one form every Celery 5.2–5.6 parses identically. */
export function formatCeleryDate(date: Date): string {
  void date;
  throw new Error('not implemented');
}
/** Parses any ISO 8601 form Celery emits (Z, ±HH:MM, naive = UTC, any fraction digits). */
export function parseCeleryDate(text: string): Date {
  void text;
  throw new Error('not implemented');
}
