/**
 * A real Prometheus server (Debian's `prometheus` package) for metrics tests: started on a free
 * loopback port with its own data directory and a config scraping the given targets every second,
 * queried through its HTTP API. Node built-ins only.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from './free-port.js';

/** Where the `prometheus` binary is (PATH, then Debian's /usr/bin), or undefined when not installed. */
export function findPrometheus(): string | undefined {
  const dirs = [...(process.env['PATH'] ?? '').split(delimiter).filter(Boolean), '/usr/bin', '/usr/sbin'];
  for (const dir of dirs) {
    const candidate = join(dir, 'prometheus');
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** Options of {@link startPrometheusServer}. */
export interface PrometheusServerOptions {
  /** `host:port` addresses to scrape (path `/metrics`), as one job. */
  targets: readonly string[];
  /** The job's name (the `job` label). @default 'celerity' */
  job?: string;
  /** Seconds between scrapes. @default 1 */
  scrapeInterval?: number;
  /** How long to wait for the server to be ready, ms. @default 30000 */
  startTimeout?: number;
}

/** One sample of an instant query: its labels and value. */
export interface PrometheusSample {
  metric: Record<string, string>;
  value: number;
}

/** A running Prometheus server. */
export interface PrometheusServer extends AsyncDisposable {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** Runs an instant PromQL query through `/api/v1/query`. */
  query(promql: string): Promise<PrometheusSample[]>;
  /** Stops the server and removes its data. */
  stop(): Promise<void>;
}

interface QueryResponse {
  status: string;
  error?: string;
  data?: { resultType: string; result: Array<{ metric: Record<string, string>; value: [number, string] }> };
}

/**
 * @example
 * await using prometheus = await startPrometheusServer({ targets: [`127.0.0.1:${metricsPort}`] });
 * const [sample] = await prometheus.query('celery_worker_up');
 */
export async function startPrometheusServer(options: PrometheusServerOptions): Promise<PrometheusServer> {
  const binary = findPrometheus();
  if (binary === undefined) throw new Error('prometheus is not installed (apt-get install prometheus)');
  const dir = await mkdtemp(join(tmpdir(), 'celerity-prometheus-'));
  const interval = `${options.scrapeInterval ?? 1}s`;
  const config = [
    'global:',
    `  scrape_interval: ${interval}`,
    `  evaluation_interval: ${interval}`,
    'scrape_configs:',
    `  - job_name: ${JSON.stringify(options.job ?? 'celerity')}`,
    `    scrape_interval: ${interval}`,
    `    scrape_timeout: ${interval}`,
    '    static_configs:',
    `      - targets: [${options.targets.map((t) => JSON.stringify(t)).join(', ')}]`,
    '',
  ].join('\n');
  await writeFile(join(dir, 'prometheus.yml'), config);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let output = '';
  const child: ChildProcess = spawn(
    binary,
    [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  let exited = false;
  const exit = new Promise<void>((resolve) => child.once('exit', () => ((exited = true), resolve())));

  const stop = async (): Promise<void> => {
    if (!exited) {
      child.kill('SIGTERM');
      await Promise.race([exit, sleep(10_000)]);
      if (!exited) child.kill('SIGKILL');
    }
    await rm(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + (options.startTimeout ?? 30_000);
  for (;;) {
    if (exited) {
      await stop();
      throw new Error(`prometheus exited at start:\n${output.slice(-2000)}`);
    }
    const ready = await fetch(`${url}/-/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`prometheus was not ready within ${options.startTimeout ?? 30_000} ms:\n${output.slice(-2000)}`);
    }
    await sleep(100);
  }

  return {
    url,
    async query(promql) {
      const response = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(promql)}`);
      const body = (await response.json()) as QueryResponse;
      if (body.status !== 'success' || body.data === undefined) throw new Error(`prometheus query ${promql} failed: ${body.error ?? response.status}`);
      return body.data.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
    },
    stop,
    [Symbol.asyncDispose]: stop,
  };
}
