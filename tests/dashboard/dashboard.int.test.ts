/**
 * The dashboard end to end: the real server (`startDashboard` of @celerity/dashboard) on a scratch
 * Redis database, a Celerity worker and a Python Celery 5.2 worker (`-E`) sending events, and the
 * page in headless Chromium. It checks what a person would look for: both workers with their
 * language, a task sent from Python and one from TypeScript, a failure's traceback, a chord's
 * canvas tree, a running task stopped by a click on the page, and plots drawn from data.
 * Screenshots go to tests/dashboard/artifacts/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { chord, signature } from '@celerity/core';
import type { SignatureData } from '@celerity/core';
import { backendAdapter, createRedisBackend } from '@celerity/backend-redis';
import { brokerAdapter, createRedisBroker } from '@celerity/broker-redis';
import { createClient } from '@celerity/client';
import type { AsyncResult, Client } from '@celerity/client';
import { startDashboard } from '@celerity/dashboard';
import type { DashboardServer } from '@celerity/dashboard';
import { createWorker } from '@celerity/worker';
import type { Worker } from '@celerity/worker';
import { closeClient, closeWorker } from '../interop/harness/closing.js';
import { isAvailable, pythonCeleryStatus, sendFromPython, startPythonWorker } from '../interop/harness/python.js';
import type { PythonWorker } from '../interop/harness/python.js';
import { createRedisScratch } from '../interop/harness/redis.js';
import type { RedisScratch } from '../interop/harness/redis.js';
import * as interopTasks from '../interop/ts-tasks.js';
import { ensureUiBuilt } from './harness/ui-build.js';
import { chromiumInstalled, launchChromium, pixelsOfColour, screenshot } from './harness/browser.js';

const python = pythonCeleryStatus()['5.2'];
const TOKEN = 'dashboard-test-token';
// The page's series colours (packages/dashboard-ui/src/ui/palette.ts, plot-data.ts).
const SUCCEEDED_GREEN = '#16a34a';
const FAILED_RED = '#dc2626';
const P90_BLUE = '#3b82f6';
const FIRST_QUEUE_BLUE = '#2563eb';
const ready = chromiumInstalled() && isAvailable(python);

describe.skipIf(!ready)('celerity dashboard in Chromium, with a Celerity and a Python worker on Redis', () => {
  let redis: RedisScratch;
  let dashboard: DashboardServer;
  let tsWorker: Worker;
  let pyWorker: PythonWorker;
  let client: Client;
  let browser: Browser;
  let page: Page;
  let pyQueue: string;
  let tsQueue: string;
  let tsHost: string;
  /** A queue no worker consumes, for the purge. */
  let idleQueue: string;
  let env: Record<string, string>;

  const ts = (task: string, args: unknown[] = []): SignatureData => signature(task, args, {}, { options: { queue: tsQueue } });
  const py = (task: string, args: unknown[] = []): SignatureData => signature(task, args, {}, { options: { queue: pyQueue } });
  const api = async (path: string): Promise<unknown> => (await fetch(new URL(path, dashboard.url), { headers: { Authorization: `Bearer ${TOKEN}` } })).json();
  /** The [id, state] of each row of the tasks list. */
  const shownTasks = () =>
    page.locator('tr[data-task]').evaluateAll((rows: unknown[]) => rows.map((row) => ['data-task', 'data-state'].map((name) => (row as { getAttribute(name: string): string | null }).getAttribute(name))));
  /** Opens a route of the page and waits for `selector`. */
  const open = async (hash: string, selector: string, timeout = 30_000) => {
    await page.goto(new URL(hash, dashboard.url).href);
    // The route's view is on screen (the overview also lists workers: a row alone proves nothing).
    const view = hash === '#/' ? 'overview' : hash.startsWith('#/tasks/') ? 'task' : hash.slice(2);
    await page.locator(`main[data-view="${view}"]`).waitFor({ timeout });
    await page.locator(selector).first().waitFor({ timeout });
  };

  beforeAll(async () => {
    ensureUiBuilt();
    redis = await createRedisScratch();
    pyQueue = redis.name('py');
    tsQueue = redis.name('ts');
    tsHost = `ts-${tsQueue}@celerity`;
    idleQueue = redis.name('idle');
    env = { BROKER_URL: redis.url, RESULT_BACKEND: redis.url };
    // The dashboard first, so it hears the workers come online.
    // Polls (remote control, queue depths) every 2 s instead of 10 s, so a short test sees them; control
    // replies collected for 3 s instead of 1 s, as a worker on this loaded 2-core machine may answer late.
    // Under a mount prefix and with a token, as behind a reverse proxy: the page's relative URLs and
    // its cookie are exercised by every test below.
    dashboard = await startDashboard({ broker: redis.url, backend: redis.url, adapters: [brokerAdapter, backendAdapter], host: '127.0.0.1', port: 0, pollIntervalMs: 2000, replyTimeout: 3, queues: [idleQueue], basePath: '/ops/celery', auth: { token: TOKEN } });
    tsWorker = createWorker({ broker: createRedisBroker({ url: redis.url }), backend: createRedisBackend({ url: redis.url }), tasks: interopTasks, queues: [tsQueue], hostname: tsHost, eventsEnabled: true, concurrency: 4 });
    await tsWorker.start();
    // cluster: Celery's heartbeat step is what sends worker-online and worker-heartbeat.
    pyWorker = await startPythonWorker({ version: '5.2', env: { ...env, QUEUE: pyQueue }, queues: [pyQueue], events: true, cluster: true });
    // task-sent events (Celery's task_send_sent_event) tell the dashboard each task's queue, which a retry sends to.
    client = createClient({ broker: createRedisBroker({ url: redis.url }), backend: createRedisBackend({ url: redis.url }), taskSendSentEvent: true });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    // Opened once with the token: the server sets its cookie and sends the page to the mount's root.
    await page.goto(`${dashboard.url}?token=${TOKEN}`);
    expect(new URL(page.url()).pathname).toBe('/ops/celery/');
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await closeClient(client);
    await closeWorker(tsWorker);
    await pyWorker?.stop();
    await dashboard?.close();
    await redis?.cleanup();
  }, 60_000);

  it('lists the Python and the Celerity worker, each with its language', async () => {
    await open('#/workers', `[data-worker="${pyWorker.nodeName}"] [data-language="python"]`);
    await page.locator(`[data-worker="${tsHost}"] [data-language="typescript"]`).waitFor();
    expect(await page.locator(`[data-worker="${pyWorker.nodeName}"]`).textContent()).toContain('py-celery 5.2');
    expect(await page.locator(`[data-worker="${tsHost}"]`).textContent()).toContain('celerity');
    await screenshot(page, 'workers');
  });

  it("changes a task's rate limit on the Celerity worker from its row, and shows the worker's answer", async () => {
    await open('#/workers', `[data-worker="${tsHost}"] button[data-action="rate-limit"]`);
    await page.click(`[data-worker="${tsHost}"] button[data-action="rate-limit"]`);
    await page.fill('[role=dialog] input[name=taskName]', 'tasks.echo');
    await page.fill('[role=dialog] input[name=rate]', '100/m');
    await page.click('[role=dialog] button[data-confirm]');
    await page.locator('[role=status]').waitFor();
    expect(await page.locator('[role=status]').textContent()).toContain(`${tsHost}: new rate limit set successfully`);
  });

  it("grows the Celerity worker's pool from its row, and shows the worker's answer", async () => {
    // the pool and its size come from the server's poll of the workers (inspect stats)
    await open('#/workers', `[data-worker="${tsHost}"] td:text-is("async × 4")`);
    await page.click(`[data-worker="${tsHost}"] button[data-action="pool-grow"]`);
    await page.fill('[role=dialog] input[name=n]', '2');
    await page.click('[role=dialog] button[data-confirm]');
    await page.locator('[role=status]').waitFor();
    expect(await page.locator('[role=status]').textContent()).toContain(`${tsHost}: pool will grow`);
  });

  it('shows a task sent from Python, one sent from TypeScript, and the traceback of a failure', async () => {
    // The list is open before the tasks are sent: they arrive over the stream, without a reload.
    await open('#/tasks', 'form[role=search]');
    const fromPython = await sendFromPython('5.2', 'tasks.add', [2, 3], { queue: tsQueue }, env);
    expect(fromPython).toMatchObject({ state: 'SUCCESS', result: 5 });
    const fromTs = await client.send('tasks.add', [4, 5], { queue: pyQueue });
    expect(await fromTs.get({ timeout: 30 })).toBe(9);
    const failing = await client.send('tasks.fail', ['boom from the dashboard test'], { queue: pyQueue });
    await expect(failing.get({ timeout: 30 })).rejects.toThrow(/boom/);

    await page.locator(`[data-task="${fromPython.id}"][data-state="SUCCESS"]`).waitFor();
    await page.locator(`[data-task="${fromTs.id}"][data-state="SUCCESS"]`).waitFor();
    expect(await page.locator(`[data-task="${fromPython.id}"]`).textContent()).toContain(tsHost);
    expect(await page.locator(`[data-task="${fromTs.id}"]`).textContent()).toContain(pyWorker.nodeName);
    await page.locator(`[data-task="${failing.id}"][data-state="FAILURE"]`).waitFor();
    await screenshot(page, 'tasks');

    // search by state, then by id: the rows shown once the new search has answered
    await page.selectOption('select[name=state]', 'FAILURE');
    await expect.poll(shownTasks).toEqual([[failing.id, 'FAILURE']]);
    await page.selectOption('select[name=state]', '');
    await page.fill('input[name=q]', fromTs.id);
    await page.press('input[name=q]', 'Enter');
    await expect.poll(shownTasks).toEqual([[fromTs.id, 'SUCCESS']]);
    await page.fill('input[name=q]', failing.id);
    await page.press('input[name=q]', 'Enter');
    await page.click(`a[href="#/tasks/${failing.id}"]`);
    await page.locator('pre.traceback').waitFor();
    const traceback = await page.locator('pre.traceback').textContent();
    expect(traceback).toContain('Traceback (most recent call last)');
    expect(traceback).toContain('ValueError: boom from the dashboard test');
    await screenshot(page, 'failure');

    // Retry: the same task and arguments again, under a new id the status line links to.
    await page.click('button[data-action="retry"]');
    await page.click('[role=dialog] button[data-confirm]');
    const link = page.locator('[role=status] a');
    await link.waitFor();
    const againId = (await link.textContent()) ?? '';
    expect(againId).not.toBe(failing.id);
    await expect(client.result(againId).get({ timeout: 30 })).rejects.toThrow(/boom from the dashboard test/);
    await link.click();
    await page.locator(`.task-page[data-task="${againId}"][data-state="FAILURE"] pre.traceback`).waitFor();
  }, 120_000);

  it('purges a queue after a confirmation', async () => {
    await client.broker.declareQueue(idleQueue);
    for (let i = 0; i < 3; i++) await client.send('tasks.add', [i, i], { queue: idleQueue });
    await open('#/queues', `[data-queue="${idleQueue}"][data-depth="3"]`);
    await page.click(`[data-queue="${idleQueue}"] button[data-action="purge"]`);
    await page.click('[role=dialog] button[data-confirm]');
    await page.locator('[role=status]:has-text("3 messages deleted")').waitFor();
    expect(await client.broker.size(idleQueue)).toBe(0);
    await page.locator(`[data-queue="${idleQueue}"][data-depth="0"]`).waitFor();
  }, 60_000);

  it("draws a chord's canvas as a tree: its header under a chord node, its body as the callback", async () => {
    const body = (await client.apply(chord([ts('tasks.add', [1, 1]), py('tasks.add', [2, 2])], ts('tasks.echo')))) as AsyncResult;
    expect(await body.get({ timeout: 30 })).toEqual([2, 4]);
    await open(`#/tasks/${body.id}`, `.canvas-tree [data-kind="callback"][data-node="${body.id}"][data-state="SUCCESS"]`);
    const chordNode = page.locator('.canvas-tree [data-kind="chord"]').first();
    expect(await chordNode.locator('[data-kind="task"][data-state="SUCCESS"]').count()).toBe(2);
    expect(await chordNode.locator(`[data-kind="callback"] a`).getAttribute('href')).toBe(`#/tasks/${body.id}`);
    await screenshot(page, 'chord');
  }, 60_000);

  it('stops a running task when Terminate is clicked on its page: REVOKED, and it never finished', async () => {
    const long = await client.send('tasks.sleep', [30], { queue: tsQueue });
    await open(`#/tasks/${long.id}`, `.task-page[data-state="STARTED"]`);
    const clicked = Date.now();
    await page.click('button[data-action="revoke"]:has-text("Terminate")');
    await page.locator('[role=dialog]').waitFor();
    await page.click('[role=dialog] button[data-confirm]');
    await page.locator('.task-page[data-state="REVOKED"]').waitFor({ timeout: 15_000 });
    await expect(long.get({ timeout: 15 })).rejects.toThrow(/revoked/i);
    expect(Date.now() - clicked).toBeLessThan(20_000);
    expect(await long.state()).toBe('REVOKED');
    const detail = (await api(`api/tasks/${long.id}`)) as { state: string; events: { type: string }[] };
    expect(detail.state).toBe('REVOKED');
    expect(detail.events.map((event) => event.type)).not.toContain('task-succeeded');
    await screenshot(page, 'revoked');
  }, 60_000);

  it('plots throughput, failure rate, runtime percentiles and queue depth from the series', async () => {
    // A burst for the plots: quick tasks on both workers, and sleeps queued behind the Python worker's one process.
    const sent = await Promise.all([
      ...Array.from({ length: 20 }, (_, i) => client.send('tasks.add', [i, i], { queue: i % 2 === 0 ? tsQueue : pyQueue })),
      ...Array.from({ length: 6 }, () => client.send('tasks.sleep', [0.5], { queue: pyQueue })),
    ]);
    await Promise.all(sent.map((result) => result.get({ timeout: 30 })));
    const series = (await api('api/series?minutes=15')) as { throughput: { succeeded: number; failed: number }[]; runtime: { name: string; count: number; p50: number }[] };
    expect(series.throughput.reduce((sum, point) => sum + point.succeeded, 0)).toBeGreaterThanOrEqual(26);
    expect(series.throughput.some((point) => point.failed > 0)).toBe(true);
    expect(series.runtime.find((row) => row.name === 'tasks.sleep')?.p50).toBeGreaterThanOrEqual(0.4);
    expect(series.runtime.find((row) => row.name === 'tasks.add')?.count).toBeGreaterThanOrEqual(20);

    await open('#/', '#plot-throughput canvas');
    const colours = { 'plot-throughput': SUCCEEDED_GREEN, 'plot-failure-rate': FAILED_RED, 'plot-runtime': P90_BLUE, 'plot-queue-depth': FIRST_QUEUE_BLUE };
    for (const [id, colour] of Object.entries(colours)) {
      await expect.poll(async () => Number(await page.locator(`#${id}`).getAttribute('data-points')), { timeout: 15_000 }).toBeGreaterThan(0);
      await expect.poll(() => pixelsOfColour(page, `#${id} canvas`, colour), { timeout: 15_000 }).toBeGreaterThan(20);
    }
    // the last action's outcome line, left from the revoke, is not part of the picture
    if ((await page.locator('.outcome button').count()) > 0) await page.locator('.outcome button').click();
    await screenshot(page, 'overview');
  }, 90_000);
});
