/**
 * The live stream (`GET /api/stream`, Server-Sent Events). However busy the cluster, each client
 * gets at most one message of each kind per tick: the overview every tick, the tasks changed since
 * the previous tick when any did, and the series every `seriesEvery` ticks. A client that connects
 * gets a fresh overview at once. Ticks run only while a client is connected.
 */
import type { ServerResponse } from 'node:http';
import type { Overview, Series, TaskSummary } from './contract.js';
import type { Timers } from './timers.js';

/** Where the stream reads from. */
export interface StreamSource {
  overview(): Promise<Overview>;
  /** The current change number. */
  changeNumber(): Promise<number>;
  changedSince(seq: number): Promise<{ seq: number; tasks: TaskSummary[] }>;
  series(): Promise<Series>;
}

export interface StreamOptions {
  /** Milliseconds between two ticks. @default 1000 */
  intervalMs?: number;
  /** Ticks between two series messages. @default 5 */
  seriesEvery?: number;
}

const message = (event: string, data: unknown): string => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;

export class StreamHub {
  readonly #clients = new Set<ServerResponse>();
  #timer: unknown = null;
  #seq: number | null = null;
  #ticks = 0;
  #ticking = false;
  readonly #intervalMs: number;
  readonly #seriesEvery: number;

  constructor(
    private readonly source: StreamSource,
    private readonly timers: Timers,
    private readonly onError: (error: unknown) => void,
    options: StreamOptions = {},
  ) {
    this.#intervalMs = options.intervalMs ?? 1000;
    this.#seriesEvery = options.seriesEvery ?? 5;
  }

  get clients(): number {
    return this.#clients.size;
  }

  /** Takes a response as an event stream. */
  async add(res: ServerResponse): Promise<void> {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache, no-transform', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    res.write(': celerity dashboard\n\n');
    this.#clients.add(res);
    res.on('close', () => {
      this.#clients.delete(res);
      if (this.#clients.size === 0) this.#stopTimer();
    });
    if (this.#seq === null) this.#seq = await this.source.changeNumber();
    res.write(message('overview', await this.source.overview()));
    if (this.#timer === null && this.#clients.size > 0) this.#timer = this.timers.setInterval(() => void this.tick(), this.#intervalMs);
  }

  /** One tick: what changed goes to every client (called by the timer; tests call it directly). */
  async tick(): Promise<void> {
    if (this.#ticking || this.#clients.size === 0) return;
    this.#ticking = true;
    try {
      this.#ticks++;
      const chunks = [message('overview', await this.source.overview())];
      const changed = await this.source.changedSince(this.#seq ?? 0);
      this.#seq = changed.seq;
      if (changed.tasks.length > 0) chunks.push(message('tasks', { tasks: changed.tasks }));
      if (this.#ticks % this.#seriesEvery === 0) chunks.push(message('series', await this.source.series()));
      const text = chunks.join('');
      for (const client of this.#clients) client.write(text);
    } catch (error) {
      this.onError(error);
    } finally {
      this.#ticking = false;
    }
  }

  #stopTimer(): void {
    if (this.#timer !== null) this.timers.clearInterval(this.#timer);
    this.#timer = null;
  }

  close(): void {
    this.#stopTimer();
    for (const client of this.#clients) client.end();
    this.#clients.clear();
  }
}
