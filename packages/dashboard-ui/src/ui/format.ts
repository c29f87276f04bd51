/** How numbers and times are shown: the server sends seconds since the epoch, like Celery's events. */

const clock = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });
const dateTime = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });

/** `14:03:07` for epoch seconds; `—` for null. */
export const formatClock = (seconds: number | null): string => (seconds === null ? '—' : clock.format(new Date(seconds * 1000)));
export const formatDateTime = (seconds: number | null): string => (seconds === null ? '—' : dateTime.format(new Date(seconds * 1000)));

/** A duration: `850 ms`, `2.41 s`, `3 min 5 s`. */
export function formatDuration(seconds: number | null): string {
  if (seconds === null) return '—';
  if (seconds < 1) return `${Math.round(seconds * 1000)} ms`;
  if (seconds < 60) return `${seconds.toFixed(2)} s`;
  const minutes = Math.floor(seconds / 60);
  return `${minutes} min ${Math.round(seconds - minutes * 60)} s`;
}

export const formatCount = (n: number | null): string => (n === null ? '—' : n.toLocaleString());

/** The CSS class of a task state (colours in style.css). */
export function stateClass(state: string | null): string {
  switch (state) {
    case 'SUCCESS':
      return 'state state-success';
    case 'FAILURE':
    case 'REJECTED':
      return 'state state-failure';
    case 'REVOKED':
      return 'state state-revoked';
    case 'STARTED':
      return 'state state-started';
    case 'RETRY':
      return 'state state-retry';
    default:
      return 'state state-pending';
  }
}
