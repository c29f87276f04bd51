/**
 * `createDashboard`: the dashboard's parts wired together — the client (broker, result backend,
 * remote control), the Redis store, the ingest lease, event ingestion, the control/queue poll,
 * the live stream and the HTTP handler. `startDashboard` serves it on a port.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createClient, type Client } from '@celerity/client';
import type { Adapter, Broker, Logger, ResultBackend } from '@celerity/core';
import { ConfigurationError, silentLogger } from '@celerity/core';
import { Redis } from 'ioredis';
import type { DashboardAuth } from './auth.js';
import { createHandler } from './http-handler.js';
import { EventIngest } from './ingest.js';
import { IngestLease } from './ingest-lease.js';
import { readOverview } from './overview.js';
import { pollOnce, serialControl } from './poller.js';
import { DashboardStore, type Retention } from './store.js';
import { changeNumber, changedSince, queueSnapshot, series } from './store-queries.js';
import { StreamHub, type StreamOptions } from './stream.js';
import { nodeTimers, type Clock, type Timers } from './timers.js';
import { findUiAssets } from './ui-assets.js';

/** Options of {@link createDashboard}. */
export interface DashboardOptions {
  /** Broker URL (resolved by `adapters`) or instance (not closed by the dashboard). @example 'redis://localhost:6379/0' */
  broker: string | Broker;
  /** Result backend URL or instance: group ids for the canvas tree, a retry's arguments (`result_extended`). */
  backend?: string | ResultBackend;
  /** Adapters resolving the URLs (`brokerAdapter` from `@celerity/broker-redis`…). */
  adapters?: readonly Adapter[];
  /** Adapter options for the broker created from a URL. */
  brokerOptions?: Record<string, unknown>;
  /** Adapter options for the backend created from a URL. */
  backendOptions?: Record<string, unknown>;
  /**
   * Redis URL of the store (task history, series, lease). One Redis server (not a cluster).
   * @default the broker URL when it is `redis://` or `rediss://`; required otherwise
   */
  store?: string;
  /** Key prefix in the store: dashboards with one prefix share their history. @default 'celerity:dashboard:' */
  storePrefix?: string;
  /** How much task history is kept. @default { maxTasks: 10000, maxAgeSeconds: 86400 } */
  retention?: Retention;
  /** Token or basic auth; none (null) serves loopback requests only. @default null */
  auth?: DashboardAuth | null;
  /** Refuse every action (403). @default false */
  readOnly?: boolean;
  /** Path prefix the handler is mounted under, e.g. `/dashboard`. @default '' */
  basePath?: string;
  /** Queues always listed, besides those workers consume and tasks were sent to. @default [] */
  queues?: readonly string[];
  /** Milliseconds between two remote-control / queue polls (also run when a new worker appears). @default 10000 */
  pollIntervalMs?: number;
  /** Seconds control replies are collected for. @default 1 */
  replyTimeout?: number;
  /** Milliseconds the ingest lease lasts unless renewed (renewed every third of it). @default 10000 */
  leaseMs?: number;
  /** Milliseconds between two writes of the events heard. @default 250 */
  flushIntervalMs?: number;
  /** The live stream's pace. @default { intervalMs: 1000, seriesEvery: 5 } */
  stream?: StreamOptions;
  /** @default silentLogger */
  logger?: Logger;
  /** Clock seam, milliseconds since the epoch. @default Date.now */
  now?: Clock;
  /** Timer seam. @default Node's timers */
  timers?: Timers;
}

/** A dashboard: an HTTP request listener plus its background work. */
export interface Dashboard extends AsyncDisposable {
  /** A `node:http` request listener; mount it under `basePath`. */
  readonly handler: (req: IncomingMessage, res: ServerResponse) => void;
  /** The client actions go through (its broker and backend). */
  readonly client: Client;
  readonly store: DashboardStore;
  readonly stream: StreamHub;
  /** Whether this instance holds the ingest lease (writes events and polls). */
  readonly ingesting: boolean;
  /** Connects, subscribes to events and starts the lease, flush, poll and trim timers. */
  start(): Promise<void>;
  /** Writes the events heard, renews/takes the lease (what the timers do; for tests). */
  refresh(): Promise<void>;
  /** Polls the workers and queues now (when ingesting). */
  poll(): Promise<void>;
  /** Stops the timers, gives the lease up, closes what it opened. */
  close(): Promise<void>;
}

export function storeUrlOf(store: string | undefined, broker: string | Broker): string {
  if (store !== undefined) return store;
  if (typeof broker === 'string' && /^rediss?:/.test(broker)) return broker;
  throw new ConfigurationError('the dashboard keeps its history in Redis: give store (--store <redis-url>), the broker is not a redis:// URL');
}

/**
 * @example
 * const dashboard = createDashboard({ broker: 'redis://localhost:6379/0', adapters: [brokerAdapter] });
 * await dashboard.start();
 * http.createServer(dashboard.handler).listen(5555, '127.0.0.1');
 */
export function createDashboard(options: DashboardOptions): Dashboard {
  const logger = options.logger ?? silentLogger;
  const clock = options.now ?? Date.now;
  const timers = options.timers ?? nodeTimers;
  const seconds = (): number => clock() / 1000;
  const retention = options.retention ?? {};
  for (const [name, value] of Object.entries(retention)) if (value !== undefined && !(Number.isFinite(value) && value > 0)) throw new ConfigurationError(`retention.${name} must be a number > 0, got ${String(value)}`);
  const redis = new Redis(storeUrlOf(options.store, options.broker), { maxRetriesPerRequest: 3, lazyConnect: true });
  redis.on('error', (error: Error) => logger.warn(`dashboard store: ${error.message}`));
  const store = new DashboardStore(redis, options.storePrefix ?? 'celerity:dashboard:', retention);
  const client = createClient({
    broker: options.broker,
    ...(options.backend === undefined ? {} : { backend: options.backend }),
    adapters: options.adapters ?? [],
    ...(options.brokerOptions ? { brokerOptions: options.brokerOptions } : {}),
    ...(options.backendOptions ? { backendOptions: options.backendOptions } : {}),
    logger,
  });
  const leaseMs = options.leaseMs ?? 10_000;
  const lease = new IngestLease(redis, store.keys.lease, leaseMs);
  const replyTimeout = options.replyTimeout ?? 1;
  const pollOptions = { replyTimeout, queues: options.queues ?? [] };
  const serial = serialControl();
  let polling: Promise<void> | null = null;
  let pollQueued: Promise<void> | null = null;
  let pollSoon: unknown = null;
  // A poll asked for while one runs comes after it (its answers may predate what the caller did).
  const poll = (): Promise<void> => {
    if (!lease.held) return Promise.resolve();
    if (polling !== null) {
      pollQueued ??= polling.then(() => {
        pollQueued = null;
        return poll();
      });
      return pollQueued;
    }
    polling = pollOnce(client, store, lease.token, pollOptions, seconds(), logger, serial)
      .catch((error: unknown) => logger.warn(`dashboard: poll failed: ${(error as Error).message}`))
      .finally(() => (polling = null));
    return polling;
  };
  const ingest = new EventIngest(client.broker, store, lease, clock, logger, () => {
    // A new worker: ask it about its pool and queues shortly (once for a burst of them).
    if (pollSoon === null) pollSoon = timers.setTimeout(() => ((pollSoon = null), void poll()), 1000);
  });
  let csrf = randomBytes(24).toString('base64url');
  const series_ = (minutes: number) => series(store, minutes, seconds());
  const overview = () => readOverview(store, seconds());
  const stream = new StreamHub(
    { overview, changeNumber: () => changeNumber(store), changedSince: (seq) => changedSince(store, seq), series: () => series_(15) },
    timers,
    (error) => logger.warn(`dashboard stream: ${(error as Error).message}`),
    options.stream,
  );
  let uiAssets: Promise<string | null> | null = null;
  const handler = createHandler({
    basePath: options.basePath ?? '',
    auth: options.auth ?? null,
    readOnly: options.readOnly ?? false,
    store,
    backend: client.backend,
    csrfToken: () => csrf,
    overview,
    series: series_,
    stream,
    actions: {
      client,
      store,
      replyTimeout,
      serial,
      refresh: () => void poll(),
      queues: async () => [...new Set([...pollOptions.queues, ...(await queueSnapshot(store)).map((q) => q.name)])],
    },
    uiAssets: () => (uiAssets ??= findUiAssets()),
    logger,
  });

  const handles: unknown[] = [];
  let refreshing: Promise<void> | null = null;
  const refresh = (): Promise<void> => {
    refreshing ??= (async () => {
      const before = lease.held;
      const held = await lease.refresh();
      if (held && !before) {
        logger.info('dashboard: took the ingest lease: this instance writes the events');
        ingest.resetWorkers();
        void poll();
      }
      await ingest.flush();
    })()
      .catch((error: unknown) => logger.warn(`dashboard: ${(error as Error).message}`))
      .finally(() => (refreshing = null));
    return refreshing;
  };
  let flushing: Promise<void> | null = null;
  const flush = (): void => {
    flushing ??= ingest
      .flush()
      .catch((error: unknown) => logger.warn(`dashboard: writing events failed: ${(error as Error).message}`))
      .finally(() => (flushing = null));
  };
  const trim = (): void => {
    if (lease.held) store.trim(seconds()).catch((error: unknown) => logger.warn(`dashboard: trim failed: ${(error as Error).message}`));
  };
  let closed = false;

  const dashboard: Dashboard = {
    handler,
    client,
    store,
    stream,
    get ingesting() {
      return lease.held;
    },
    async start() {
      await redis.connect();
      csrf = await store.csrfToken(csrf);
      await client.connect();
      await ingest.start();
      await refresh();
      handles.push(
        timers.setInterval(() => void refresh(), Math.max(50, Math.floor(leaseMs / 3))),
        timers.setInterval(flush, options.flushIntervalMs ?? 250),
        timers.setInterval(() => void poll(), options.pollIntervalMs ?? 10_000),
        timers.setInterval(trim, 60_000),
      );
    },
    refresh,
    poll,
    async close() {
      if (closed) return;
      closed = true;
      for (const handle of handles) timers.clearInterval(handle);
      if (pollSoon !== null) timers.clearTimeout(pollSoon);
      stream.close();
      await ingest.stop();
      await Promise.allSettled([refreshing, flushing, polling, pollQueued]);
      await ingest.flush().catch(() => undefined);
      await lease.release().catch(() => undefined);
      await client.close().catch(() => undefined);
      await redis.quit().catch(() => redis.disconnect());
    },
    [Symbol.asyncDispose]: () => dashboard.close(),
  };
  return dashboard;
}
