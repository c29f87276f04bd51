/**
 * The live state of the page: one `EventSource` on `api/stream` feeding the overview, the series and
 * the changed tasks to whoever subscribed. The browser's EventSource reconnects by itself after a
 * dropped connection; when it gives up (an HTTP error, a non-stream answer) the store opens a new
 * one after a back-off. There is no polling: only the first tasks and series are fetched once.
 */
import { decodeOverview, decodeSeries, decodeTasks } from './contract.js';
import type { Overview, Series, TaskSummary } from './contract.js';

export interface LiveState {
  /** The stream is open. */
  connected: boolean;
  overview: Overview | null;
  series: Series | null;
  /** The last problem reading the stream, shown in the header until the next good message. */
  error: string | null;
}

/** The parts of EventSource the store uses, so tests can hand it a fake. */
export interface StreamSource {
  readonly readyState: number;
  onopen: ((event: Event) => void) | null;
  onerror: ((event: Event) => void) | null;
  addEventListener(type: string, listener: (event: MessageEvent<string>) => void): void;
  close(): void;
}

export interface LiveStoreOptions {
  /** @default (url) => new EventSource(url) */
  openStream?: (url: string) => StreamSource;
  /** @default globalThis.setTimeout */
  setTimer?: (run: () => void, ms: number) => unknown;
  /** @default globalThis.clearTimeout */
  clearTimer?: (timer: unknown) => void;
  /** First series, before the stream's first `series` message (every ~5 s). */
  loadSeries?: () => Promise<Series>;
  /** @default 'api/stream' */
  url?: string;
}

export interface LiveStore {
  state(): LiveState;
  subscribe(listener: (state: LiveState) => void): () => void;
  /** Called with the tasks of each `tasks` message. */
  subscribeTasks(listener: (changed: TaskSummary[]) => void): () => void;
  start(): void;
  stop(): void;
}

/** EventSource's CLOSED: it will not reconnect by itself. */
const CLOSED = 2;
const BACKOFF_MS = [1000, 2000, 5000, 10_000, 30_000];

/**
 * @example
 * const live = createLiveStore({ loadSeries: () => fetchSeries() });
 * live.subscribe((state) => render(state.overview));
 * live.start();
 */
export function createLiveStore(options: LiveStoreOptions = {}): LiveStore {
  const openStream = options.openStream ?? ((url: string) => new EventSource(url) as unknown as StreamSource);
  const setTimer = options.setTimer ?? ((run: () => void, ms: number) => globalThis.setTimeout(run, ms));
  const clearTimer = options.clearTimer ?? ((timer: unknown) => globalThis.clearTimeout(timer as ReturnType<typeof setTimeout>));
  const url = options.url ?? 'api/stream';
  let state: LiveState = { connected: false, overview: null, series: null, error: null };
  const listeners = new Set<(state: LiveState) => void>();
  const taskListeners = new Set<(changed: TaskSummary[]) => void>();
  let source: StreamSource | null = null;
  let retryTimer: unknown = null;
  let failures = 0;
  let running = false;

  const update = (patch: Partial<LiveState>) => {
    state = { ...state, ...patch };
    for (const listener of [...listeners]) listener(state);
  };

  /** Decodes one message; a bad body is reported, the stream goes on. */
  const onMessage = <T>(decode: (value: unknown) => T, apply: (value: T) => void) => (event: MessageEvent<string>) => {
    let value: T;
    try {
      value = decode(JSON.parse(event.data));
    } catch (error) {
      update({ error: `bad ${event.type} message: ${(error as Error).message}` });
      return;
    }
    failures = 0;
    apply(value);
  };

  const connect = () => {
    retryTimer = null;
    if (!running) return;
    const stream = openStream(url);
    source = stream;
    stream.onopen = () => update({ connected: true, error: null });
    stream.onerror = () => {
      if (source !== stream) return;
      update({ connected: false, error: 'connection to the server lost; reconnecting' });
      if (stream.readyState === CLOSED) {
        stream.close();
        source = null;
        const delay = BACKOFF_MS[Math.min(failures, BACKOFF_MS.length - 1)] ?? 30_000;
        failures += 1;
        retryTimer = setTimer(connect, delay);
      }
    };
    stream.addEventListener('overview', onMessage(decodeOverview, (overview) => update({ overview, connected: true, error: null })));
    stream.addEventListener('series', onMessage(decodeSeries, (series) => update({ series })));
    stream.addEventListener(
      'tasks',
      onMessage(decodeTasks, (changed) => {
        for (const listener of [...taskListeners]) listener(changed);
      }),
    );
  };

  return {
    state: () => state,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    subscribeTasks(listener) {
      taskListeners.add(listener);
      return () => taskListeners.delete(listener);
    },
    start() {
      if (running) return;
      running = true;
      options
        .loadSeries?.()
        .then((series) => {
          // the stream's own series, if one came first, is newer
          if (state.series === null) update({ series });
        })
        .catch((error: unknown) => update({ error: `series: ${(error as Error).message}` }));
      connect();
    },
    stop() {
      running = false;
      if (retryTimer !== null) clearTimer(retryTimer);
      retryTimer = null;
      source?.close();
      source = null;
      update({ connected: false });
    },
  };
}
