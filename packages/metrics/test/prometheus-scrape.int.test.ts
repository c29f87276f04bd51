// `celerity worker --metrics-port` scraped by a real Prometheus server (Debian's package, started
// here on a free port, scraping every second), its values read back through Prometheus' HTTP API.
// The worker's log lines on a pipe are JSON lines.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createClient } from '@celerity/client';
import { brokerAdapter } from '@celerity/broker-redis';
import { findPrometheus, startPrometheusServer, waitFor } from '@celerity/testing';

const here = fileURLToPath(new URL('..', import.meta.url));
// The repository's `pnpm celerity` entry: @celerity/worker's `./cli`, from source.
const cli = fileURLToPath(new URL('../../../scripts/celerity.ts', import.meta.url));
const taskModule = fileURLToPath(new URL('./fixtures/tasks.ts', import.meta.url));
const url = `redis://127.0.0.1:6379/${1 + Math.floor(Math.random() * 15)}`;
const queue = `celerity-metrics-${crypto.randomUUID()}`;
const prometheusMissing = findPrometheus() === undefined;
// CI installs it (scripts/bootstrap.sh): there, a missing binary fails the test instead of skipping it.
const skip = prometheusMissing && !process.env['CI'];

const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
});

describe.skipIf(skip)('metrics scraped by Prometheus' + (skip ? ' (skipped: prometheus is not installed; apt-get install prometheus)' : ''), () => {
  it('shows task counters, runtime, worker up and queue length of a celerity worker', async () => {
    // cwd = this package, so the command finds @celerity/metrics the way it finds an application's packages.
    const worker = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', cli, 'worker', '-A', taskModule, '-Q', queue, '-b', url, '-n', 'metrics@prom-test', '--metrics-port', '0'], {
      cwd: here,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(worker);
    let stderr = '';
    worker.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const parsed = (line: string): Record<string, unknown>[] => {
      try {
        return [JSON.parse(line) as Record<string, unknown>];
      } catch {
        return [];
      }
    };
    const lines = () => stderr.split('\n').filter(Boolean).flatMap(parsed);
    const port = await waitFor(() => lines().find((l) => typeof l['metricsPort'] === 'number')?.['metricsPort'] as number | undefined, { timeout: 30_000, message: 'the metrics port in the log' });

    await using prometheus = await startPrometheusServer({ targets: [`127.0.0.1:${port}`] });
    await using client = createClient({ broker: url, adapters: [brokerAdapter], defaultQueue: queue });
    for (let i = 0; i < 3; i++) await client.task('obs.add').delay(i, 1);
    // A RangeError is a ValueError to Celery (and so in the `exception` label).
    await client.task('obs.fail').delay();

    const value = async (promql: string) => (await prometheus.query(promql))[0]?.value;
    await waitFor(async () => (await value(`celery_task_succeeded_total{name="obs.add",queue_name="${queue}"}`)) === 3, { timeout: 30_000, interval: 250, message: 'three successes in Prometheus' });
    expect(await value(`celery_task_received_total{name="obs.add",hostname="prom-test"}`)).toBe(3);
    expect(await value(`celery_task_started_total{name="obs.add",hostname="prom-test"}`)).toBe(3);
    await waitFor(async () => (await value(`celery_task_failed_total{name="obs.fail",exception="ValueError"}`)) === 1, { timeout: 10_000, interval: 250, message: 'the failure in Prometheus' });
    expect(await value(`celery_task_runtime_count{name="obs.add"}`)).toBe(3);
    // Each run sleeps 20 ms: none is under 10 ms, all are under 2.5 s.
    expect(await value(`celery_task_runtime_bucket{name="obs.add",le="0.01"}`)).toBe(0);
    expect(await value(`celery_task_runtime_bucket{name="obs.add",le="2.5"}`)).toBe(3);
    expect(await value('celery_worker_up{hostname="prom-test"}')).toBe(1);
    expect(await value('celery_worker_tasks_active{hostname="prom-test"}')).toBe(0);
    expect(await value(`celery_queue_length{queue_name="${queue}"}`)).toBe(0);
    expect(await value('celerity_broker_reconnects{hostname="prom-test"}')).toBe(0);
    expect(await value('up{job="celerity"}')).toBe(1);

    // Not a terminal: JSON lines, Celery's messages inside.
    expect(lines().some((l) => l['level'] === 'info' && /^Task obs\.add\[[0-9a-f-]{36}\] succeeded in \d+\.\d+s: \d$/.test(String(l['msg'])))).toBe(true);

    worker.kill('SIGTERM');
    await new Promise((resolve) => worker.once('exit', resolve));
  });
});
