/**
 * The worker command's logs and metrics: `--log-format` (Celery's text lines on a terminal, JSON
 * lines otherwise) and `--metrics-port` (Prometheus, through @celerity/metrics when installed).
 */
import type { Logger, LogLevel } from '@celerity/core';
import { createConsoleLogger, createJsonLogger } from '@celerity/core';
import type { TaskObserver } from '../task-observer.js';
import type { Worker } from '../worker-options.js';
import { resolveInstalled } from './environment.js';

/** How log lines look. */
export type LogFormat = 'text' | 'json';

/** `--log-format`: 'text' or 'json'; unset, text on a terminal and JSON lines otherwise. */
export function logFormatOf(flag: string | undefined, isTTY: boolean): LogFormat {
  if (flag === undefined) return isTTY ? 'text' : 'json';
  const format = flag.toLowerCase();
  if (format === 'text' || format === 'json') return format;
  throw new Error(`--log-format must be text or json, got '${flag}'`);
}

/** The command's logger, writing to standard error. */
export function createCommandLogger(format: LogFormat, level: LogLevel): Logger {
  return format === 'json' ? createJsonLogger({ level }) : createConsoleLogger({ level });
}

/** `--metrics-port`: a TCP port, 0 for any free one. */
export function metricsPortOf(flag: string | undefined): number | undefined {
  if (flag === undefined) return undefined;
  const port = Number(flag);
  if (flag.trim() === '' || !Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--metrics-port must be a port number (0-65535), got '${flag}'`);
  return port;
}

/** What the command needs of @celerity/metrics (typed here: the worker package does not depend on it). */
interface MetricsModule {
  createWorkerMetrics(): { readonly registry: unknown; readonly observer: TaskObserver; track(worker: Worker): void };
  startMetricsServer(source: { readonly registry: unknown }, options: { port: number }): Promise<{ readonly port: number; close(): Promise<void> }>;
}

/** The worker's metrics, served once {@link WorkerMetricsServing.serve} is called. */
export interface WorkerMetricsServing {
  readonly observer: TaskObserver;
  /** Starts serving `worker`'s metrics on the port; resolves to the port it listens on. */
  serve(worker: Worker): Promise<number>;
  close(): Promise<void>;
}

/** Loads @celerity/metrics for `--metrics-port`; a one-line error when it is not installed. */
export async function loadWorkerMetrics(port: number): Promise<WorkerMetricsServing> {
  const href = resolveInstalled('@celerity/metrics');
  if (href === undefined) throw new Error('--metrics-port needs @celerity/metrics, which is not installed (npm install @celerity/metrics)');
  const mod = (await import(href)) as MetricsModule;
  const metrics = mod.createWorkerMetrics();
  let server: { close(): Promise<void> } | undefined;
  return {
    observer: metrics.observer,
    async serve(worker) {
      metrics.track(worker);
      const started = await mod.startMetricsServer(metrics, { port });
      server = started;
      return started.port;
    },
    close: async () => {
      await server?.close();
    },
  };
}

/** A -l/--loglevel word (Celery's, case-insensitive) as a log level. */
export function toLevel(value: string): LogLevel {
  const v = value.toLowerCase();
  if (v === 'warning' || v === 'warn') return 'warn';
  if (v === 'debug' || v === 'info' || v === 'error') return v;
  if (v === 'critical') return 'error';
  throw new Error(`unknown log level '${value}'`);
}
