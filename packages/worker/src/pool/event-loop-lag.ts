/**
 * Notices the worker's event loop being held (a synchronous task body in the async pool, usually)
 * and says so: `perf_hooks.monitorEventLoopDelay` samples the loop's delay, and every `interval`
 * the largest delay of that window is kept (for metrics) and logged as a warning past `warnAt`.
 * Measured in real time on purpose: blocking is what it looks for, which no fake clock shows.
 */
import type { IntervalHistogram } from 'node:perf_hooks';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Logger } from '@celerity/core';

/** The event-loop delay of the last finished window, milliseconds. */
export interface EventLoopLag {
  /** Largest delay seen. */
  readonly maxMs: number;
  /** Mean delay. */
  readonly meanMs: number;
}

/** Options of {@link EventLoopLagMonitor}. */
export interface EventLoopLagOptions {
  logger: Logger;
  /** A window whose largest delay reaches this many ms is logged. @default 500 */
  warnAt?: number;
  /** Length of one window, ms. @default 1000 */
  interval?: number;
}

const NONE: EventLoopLag = { maxMs: 0, meanMs: 0 };

/** Started and stopped with the worker. */
export class EventLoopLagMonitor {
  private histogram: IntervalHistogram | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;
  private lastWindow: EventLoopLag = NONE;
  private readonly warnAt: number;
  private readonly interval: number;

  constructor(private readonly options: EventLoopLagOptions) {
    this.warnAt = options.warnAt ?? 500;
    this.interval = options.interval ?? 1000;
  }

  /** The last window's figures (zeros before the first one ends). */
  get last(): EventLoopLag {
    return this.lastWindow;
  }

  start(): void {
    if (this.histogram) return;
    const histogram = monitorEventLoopDelay({ resolution: 20 });
    histogram.enable();
    this.histogram = histogram;
    this.timer = setInterval(() => this.check(), this.interval);
    // Never what keeps the process alive.
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.histogram?.disable();
    this.histogram = undefined;
    this.timer = undefined;
  }

  private check(): void {
    const histogram = this.histogram;
    if (!histogram) return;
    // The histogram is in nanoseconds; its floor is the sampling resolution, not a delay.
    const maxMs = histogram.max / 1e6;
    const meanMs = Number.isNaN(histogram.mean) ? 0 : histogram.mean / 1e6;
    histogram.reset();
    this.lastWindow = { maxMs, meanMs };
    if (maxMs >= this.warnAt) {
      this.options.logger.warn(
        `The event loop was blocked for ${Math.round(maxMs)} ms: a task body ran synchronous code that long (no timer, ack or time limit could run meanwhile). CPU-bound work belongs in the threads or processes pool.`,
      );
    }
  }
}
