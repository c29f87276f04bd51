/**
 * A dashboard against a real Celerity worker on the local Redis (broker, backend and store under a
 * key prefix of the test's own), served on a free loopback port, with helpers to call its API.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRedisBackend } from '@celerity/backend-redis';
import { createRedisBroker } from '@celerity/broker-redis';
import { createClient, type Client } from '@celerity/client';
import { defineTask, type TaskContext } from '@celerity/core';
import { waitFor } from '@celerity/testing';
import { createWorker, type Worker } from '@celerity/worker';
import { createDashboard, type Dashboard, type DashboardOptions } from '../src/index.js';
import type { TaskSummary } from '../src/contract.js';
import { REDIS_URL } from './store-helpers.js';

const failedOnce = new Set<string>();

export const tasks = [
  defineTask({ name: 'dash.add', params: ['x', 'y'] }, (x: number, y: number) => x + y),
  defineTask({ name: 'dash.sum', params: ['xs'] }, (xs: number[]) => xs.reduce((a, b) => a + b, 0)),
  defineTask({ name: 'dash.fail', params: ['why'] }, (why: string) => {
    throw new Error(why);
  }),
  // Fails the first time it runs with a key, succeeds after: what a retry from the dashboard is for.
  defineTask({ name: 'dash.flaky', params: ['key'] }, (key: string) => {
    if (!failedOnce.has(key)) {
      failedOnce.add(key);
      throw new Error(`first run of ${key}`);
    }
    return `ok ${key}`;
  }),
  defineTask({ name: 'dash.wait', params: ['ms'] }, (ms: number, ctx: TaskContext) =>
    new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => resolve('waited'), ms);
      ctx.signal.addEventListener('abort', () => {
        clearTimeout(timer);
        reject(ctx.signal.reason as Error);
      });
    }),
  ),
];

export interface LiveCluster {
  readonly queue: string;
  readonly hostname: string;
  readonly worker: Worker;
  readonly client: Client;
  readonly dashboard: Dashboard;
  readonly url: string;
  get(path: string, init?: RequestInit): Promise<Response>;
  json<T>(path: string): Promise<T>;
  /** POSTs an action with the session's CSRF token. */
  action(name: string, body: unknown): Promise<{ status: number; body: { ok: boolean; detail?: unknown; error?: string } }>;
  /** Waits until the store has the task in `state`. */
  taskIn(id: string, state: string, timeout?: number): Promise<TaskSummary>;
  close(): Promise<void>;
}

export async function startLiveCluster(prefix: string, options: Partial<DashboardOptions> = {}): Promise<LiveCluster> {
  const queue = `dash-${crypto.randomUUID()}`;
  const hostname = `dash-${crypto.randomUUID().slice(0, 8)}@test`;
  const worker = createWorker({
    broker: createRedisBroker({ url: REDIS_URL, keyPrefix: prefix }),
    backend: createRedisBackend({ url: REDIS_URL, keyPrefix: prefix }),
    tasks,
    queues: [queue],
    hostname,
    eventsEnabled: true,
    concurrency: 2,
    // The backend keeps name, arguments and queue: what a retry re-sends.
    resultExtended: true,
  });
  await worker.start();
  const client = createClient({ broker: createRedisBroker({ url: REDIS_URL, keyPrefix: prefix }), backend: createRedisBackend({ url: REDIS_URL, keyPrefix: prefix }), taskSendSentEvent: true });
  const dashboard = createDashboard({
    broker: createRedisBroker({ url: REDIS_URL, keyPrefix: prefix }),
    backend: createRedisBackend({ url: REDIS_URL, keyPrefix: prefix }),
    store: REDIS_URL,
    storePrefix: `${prefix}dashboard:`,
    flushIntervalMs: 50,
    leaseMs: 3000,
    ...options,
  });
  await dashboard.start();
  const server: Server = createServer(dashboard.handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const get = (path: string, init?: RequestInit): Promise<Response> => fetch(`${url}${path}`, init);
  const json = async <T>(path: string): Promise<T> => (await (await get(path)).json()) as T;
  let csrf: string | undefined;
  return {
    queue,
    hostname,
    worker,
    client,
    dashboard,
    url,
    get,
    json,
    async action(name, body) {
      csrf ??= (await json<{ csrfToken: string }>('/api/session')).csrfToken;
      const res = await get(`/api/actions/${name}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-celerity-csrf': csrf }, body: JSON.stringify(body) });
      return { status: res.status, body: (await res.json()) as { ok: boolean; detail?: unknown; error?: string } };
    },
    async taskIn(id, state, timeout = 15_000) {
      let last: TaskSummary | undefined;
      try {
        return await waitFor(
          async () => {
            const { tasks: found } = await json<{ tasks: TaskSummary[] }>(`/api/tasks?q=${id}`);
            last = found.find((t) => t.id === id);
            return last?.state === state ? last : undefined;
          },
          { timeout, interval: 100 },
        );
      } catch (error) {
        throw new Error(`task ${id} not ${state} in time; last seen: ${JSON.stringify(last ?? null)}`, { cause: error });
      }
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await dashboard.close();
      await dashboard.client.broker.close();
      await dashboard.client.backend?.close();
      await worker.stop({ force: true }).catch(() => undefined);
      await worker.broker.close();
      await worker.backend?.close();
      await client.close();
      await client.broker.close();
      await client.backend?.close();
    },
  };
}
