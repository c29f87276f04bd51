/**
 * Requests to the dashboard server. URLs are relative (`api/...`), so a page served under a mount
 * prefix (`/ops/celery/`) talks to its own server. Actions carry the CSRF token of `api/session`.
 */
import { decodeOverview, decodeSeries, decodeSession, decodeTaskDetail, decodeTasks } from './contract.js';
import type { Overview, Series, Session, TaskDetail, TaskSummary } from './contract.js';

/** A request the server answered with an error status (the body's `error` when it has one). */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

async function errorOf(response: Response): Promise<ApiError> {
  let message = `${response.status} ${response.statusText}`;
  try {
    const body: unknown = await response.json();
    if (typeof body === 'object' && body !== null && typeof (body as { error?: unknown }).error === 'string') message = (body as { error: string }).error;
  } catch {
    // not JSON: the status line says enough
  }
  return new ApiError(message, response.status);
}

async function getJson(path: string): Promise<unknown> {
  const response = await fetch(path, { headers: { Accept: 'application/json' }, credentials: 'same-origin' });
  if (!response.ok) throw await errorOf(response);
  return response.json();
}

export const fetchSession = async (): Promise<Session> => decodeSession(await getJson('api/session'));
export const fetchOverview = async (): Promise<Overview> => decodeOverview(await getJson('api/overview'));
export const fetchSeries = async (minutes = 15): Promise<Series> => decodeSeries(await getJson(`api/series?minutes=${minutes}`));

/** Filters of `GET /api/tasks`; empty strings are left out. */
export interface TaskQuery {
  q?: string;
  state?: string;
  name?: string;
  limit?: number;
  before?: number;
}

export function taskQueryString(query: TaskQuery): string {
  const params = new URLSearchParams();
  if (query.q) params.set('q', query.q);
  if (query.state) params.set('state', query.state);
  if (query.name) params.set('name', query.name);
  if (query.limit !== undefined) params.set('limit', String(query.limit));
  if (query.before !== undefined) params.set('before', String(query.before));
  return params.toString();
}

export const fetchTasks = async (query: TaskQuery): Promise<TaskSummary[]> => decodeTasks(await getJson(`api/tasks?${taskQueryString(query)}`));

/** The task, or null when the server does not know it (404). */
export async function fetchTask(id: string): Promise<TaskDetail | null> {
  try {
    return decodeTaskDetail(await getJson(`api/tasks/${encodeURIComponent(id)}`));
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return null;
    throw error;
  }
}

export type ActionName = 'revoke' | 'retry' | 'purge' | 'dlq-replay' | 'rate-limit' | 'shutdown' | 'pool-grow' | 'pool-shrink';

/** What an action answered: `detail` as the server sent it. */
export interface ActionOutcome { ok: true; detail?: unknown }

/** `POST api/actions/<name>`: JSON body, CSRF header; an `{ ok: false }` answer or error status throws an {@link ApiError}. */
export async function postAction(name: ActionName, body: Record<string, unknown>, csrfToken: string): Promise<ActionOutcome> {
  const response = await fetch(`api/actions/${name}`, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'X-Celerity-CSRF': csrfToken },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw await errorOf(response);
  const answer: unknown = await response.json();
  if (typeof answer !== 'object' || answer === null || (answer as { ok?: unknown }).ok !== true) {
    const error = typeof answer === 'object' && answer !== null ? (answer as { error?: unknown }).error : undefined;
    throw new ApiError(typeof error === 'string' ? error : 'the server refused the action', response.status);
  }
  return { ok: true, detail: (answer as { detail?: unknown }).detail };
}
