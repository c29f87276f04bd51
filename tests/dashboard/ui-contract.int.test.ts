/**
 * The page's side of the dashboard's HTTP contract, in headless Chromium against a fake server with
 * canned answers: what it shows from the overview, the search it sends, the canvas tree, the
 * confirmation before an action and the CSRF header it carries, a refused action, reconnecting
 * after the stream drops, the plots. dashboard.int.test.ts runs the page against the real server.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { ensureUiBuilt } from './harness/ui-build.js';
import { chromiumInstalled, launchChromium, pixelsOfColour, screenshot } from './harness/browser.js';
import { startFakeDashboard } from './harness/fake-server.js';
import type { FakeDashboard } from './harness/fake-server.js';

const now = 1_800_000_000;
// The page's series colours (packages/dashboard-ui/src/ui/palette.ts, plot-data.ts).
const SUCCEEDED_GREEN = '#16a34a';
const FAILED_RED = '#dc2626';
const P90_BLUE = '#3b82f6';
const FIRST_QUEUE_BLUE = '#2563eb';
const worker = (hostname: string, language: 'python' | 'typescript', software: string) => ({
  hostname, online: true, heartbeatAge: 1.2, language, software, pool: language === 'python' ? 'prefork' : 'async', concurrency: 4, active: 1, processed: 12, loadavg: [0.5, 0.4, 0.3], queues: ['celery'],
});
const overview = {
  now,
  workers: [worker('py@host', 'python', 'py-celery 5.2.6'), worker('ts@host', 'typescript', 'celerity 0.1.0')],
  queues: [{ name: 'celery', depth: 7, byPriority: { '0': 5, '9': 2 }, consumers: 2, heldEta: 1, deadLetters: 3 }],
  totals: { received: 20, succeeded: 15, failed: 3, active: 2 },
};
const summary = (id: string, name: string, state: string, updated: number) => ({
  id, name, state, worker: 'ts@host', received: updated - 1, started: updated - 0.5, runtime: state === 'SUCCESS' ? 0.25 : null, args: '[1, 2]', result: state === 'SUCCESS' ? '3' : null, exception: state === 'FAILURE' ? "ValueError('boom')" : null, updated,
});
const failed = {
  ...summary('fail-1', 'tasks.fail', 'FAILURE', now - 5),
  kwargs: '{}', traceback: 'Traceback (most recent call last):\n  File "tasks.py", line 3, in fail\nValueError: boom', parentId: null, rootId: 'chord-root', groupId: null,
  events: [{ type: 'task-received', timestamp: now - 6, hostname: 'ts@host' }, { type: 'task-failed', timestamp: now - 5, hostname: 'ts@host' }],
  tree: {
    id: 'chord-root', name: null, state: null, kind: 'chord',
    children: [
      { id: 'head-1', name: 'tasks.add', state: 'SUCCESS', kind: 'task', children: [] },
      { id: 'fail-1', name: 'tasks.fail', state: 'FAILURE', kind: 'task', children: [] },
      { id: 'body-1', name: 'tasks.echo', state: 'PENDING', kind: 'callback', children: [] },
    ],
  },
};
const series = {
  step: 60,
  throughput: [0, 1, 2, 3].map((i) => ({ t: now - 240 + i * 60, succeeded: 3 + i, failed: i % 2 })),
  runtime: [{ name: 'tasks.add', count: 10, p50: 0.1, p90: 0.3, p99: 0.5 }, { name: 'tasks.sleep', count: 2, p50: 1, p90: 2, p99: 2.2 }],
  queueDepth: [0, 1, 2, 3].map((i) => ({ t: now - 240 + i * 60, queue: 'celery', depth: 7 - i })),
};

/** The focused element as `<TAG> <name or text>`. */
function focused(page: Page): Promise<string> {
  return page.evaluate(() => {
    const element = (globalThis as unknown as { document: { activeElement: { tagName: string; textContent: string | null; getAttribute(name: string): string | null } | null } }).document.activeElement;
    return element === null ? 'none' : `${element.tagName} ${element.getAttribute('name') ?? element.textContent ?? ''}`;
  });
}

describe.skipIf(!chromiumInstalled())('dashboard page against a fake server', () => {
  let browser: Browser;
  let fake: FakeDashboard;
  let page: Page;

  beforeAll(async () => {
    ensureUiBuilt();
    fake = await startFakeDashboard();
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await fake?.close();
  });
  beforeEach(async () => {
    fake.answers.set('/api/overview', overview);
    fake.answers.set('/api/series', series);
    fake.answers.set('/api/tasks', { tasks: [summary('ok-1', 'tasks.add', 'SUCCESS', now - 10), failed] });
    fake.answers.set('/api/tasks/fail-1', failed);
    fake.answers.delete('/api/actions/purge');
    fake.answers.set('/api/session', { csrfToken: fake.csrfToken, authRequired: false, readOnly: false });
    fake.actions.length = 0;
    await page?.close();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  });

  it('shows workers with their language, queues, totals and plots with data', async () => {
    await page.goto(fake.url);
    await page.locator('[data-worker="py@host"] [data-language="python"]').waitFor();
    expect(await page.locator('[data-worker="ts@host"] [data-language]').textContent()).toBe('TypeScript');
    expect(await page.locator('[data-queue="celery"]').textContent()).toContain('0: 5, 9: 2');
    expect(await page.locator('[data-total="failed"] .total-value').textContent()).toBe('3');
    // each chart has points and draws its series in the series' colour
    const colours = { 'plot-throughput': SUCCEEDED_GREEN, 'plot-failure-rate': FAILED_RED, 'plot-runtime': P90_BLUE, 'plot-queue-depth': FIRST_QUEUE_BLUE };
    for (const [id, colour] of Object.entries(colours)) {
      expect(Number(await page.locator(`#${id}`).getAttribute('data-points'))).toBeGreaterThan(0);
      expect(await pixelsOfColour(page, `#${id} canvas`, colour)).toBeGreaterThan(20);
    }
    expect(await pixelsOfColour(page, '#plot-throughput canvas', FAILED_RED)).toBeGreaterThan(20);
    expect(await pixelsOfColour(page, '#plot-runtime canvas', SUCCEEDED_GREEN)).toBe(0);
    await screenshot(page, 'fake-overview');
  });

  it('sends the search to api/tasks and merges live tasks that match it', async () => {
    await page.goto(`${fake.url}#/tasks`);
    await page.locator('[data-task="ok-1"]').waitFor();
    await page.locator('[data-connected="true"]').waitFor();
    await page.fill('input[name=q]', 'tasks.a');
    await page.selectOption('select[name=state]', 'SUCCESS');
    await expect.poll(() => fake.taskQueries.at(-1)?.toString()).toBe('q=tasks.a&state=SUCCESS&limit=100');
    fake.push('tasks', { tasks: [summary('ok-2', 'tasks.add', 'SUCCESS', now), summary('no-1', 'tasks.add', 'FAILURE', now)] });
    await page.locator('[data-task="ok-2"]').waitFor();
    expect(await page.locator('[data-task="no-1"]').count()).toBe(0);
  });

  it('keeps a live task that arrived while the search was being answered', async () => {
    await page.goto(`${fake.url}#/tasks`);
    await page.locator('[data-task="ok-1"]').waitFor();
    await page.locator('[data-connected="true"]').waitFor();
    const release = fake.holdNext('/api/tasks');
    const asked = fake.taskQueries.length;
    await page.selectOption('select[name=state]', 'SUCCESS');
    await expect.poll(() => fake.taskQueries.length).toBe(asked + 1);
    fake.push('tasks', { tasks: [summary('live-1', 'tasks.add', 'SUCCESS', now)] });
    // the page shows "Loading…" until the answer; a bad message pushed after it shows a banner once
    // handled, and the stream's messages are handled in order, so live-1 has been seen before the answer
    fake.push('series', 'not a series');
    await page.locator('.error.banner', { hasText: 'bad series message' }).waitFor();
    release();
    // the answer (ok-1 and fail-1; the fake ignores the filter) replaces the list; live-1 is merged back in
    await page.locator('[data-task="fail-1"]').waitFor();
    expect(await page.locator('[data-task="live-1"]').count()).toBe(1);
  });

  it('draws the canvas tree and the traceback, and asks before terminating, with the CSRF header', async () => {
    await page.goto(`${fake.url}#/tasks/fail-1`);
    await page.locator('pre.traceback').waitFor();
    expect(await page.locator('pre.traceback').textContent()).toContain('ValueError: boom');
    const chord = page.locator('.canvas-tree > [data-kind="chord"]');
    expect(await chord.locator(':scope > ul > li').evaluateAll((nodes: unknown[]) => nodes.length)).toBe(3);
    expect(await chord.locator('[data-kind="callback"] a').getAttribute('href')).toBe('#/tasks/body-1');
    expect(await chord.locator('[data-node="fail-1"]').getAttribute('data-state')).toBe('FAILURE');

    // Cancel, and Escape, send nothing; the focus starts on Cancel, not on the confirm button
    await page.click('button[data-action="retry"]');
    await page.locator('[role=dialog]').waitFor();
    expect(await focused(page)).toBe('BUTTON Cancel');
    await page.click('[role=dialog] button:has-text("Cancel")');
    await page.locator('[role=dialog]').waitFor({ state: 'detached' });
    await page.click('button[data-action="retry"]');
    await page.keyboard.press('Escape');
    await page.locator('[role=dialog]').waitFor({ state: 'detached' });
    expect(fake.actions).toEqual([]);

    await page.click('button[data-action="retry"]');
    await page.click('[role=dialog] button[data-confirm]');
    await page.locator('[role=status]').waitFor();
    expect(fake.actions).toEqual([{ name: 'retry', body: { taskId: 'fail-1' }, csrf: fake.csrfToken, contentType: 'application/json' }]);
  });

  it('keeps the dialog open with the error of a refused action', async () => {
    fake.answers.set('/api/actions/purge', { ok: false, error: 'queue celery is busy' });
    await page.goto(`${fake.url}#/queues`);
    await page.click('[data-queue="celery"] button[data-action="purge"]');
    await page.click('[role=dialog] button[data-confirm]');
    expect(await page.locator('[role=dialog] [role=alert]').textContent()).toBe('queue celery is busy');
    expect(fake.actions.map((action) => action.name)).toEqual(['purge']);
  });

  it('asks for a positive count before growing a pool', async () => {
    await page.goto(`${fake.url}#/workers`);
    await page.click('[data-worker="py@host"] button[data-action="pool-grow"]');
    expect(await focused(page)).toBe('INPUT n');
    await page.fill('[role=dialog] input[name=n]', '0');
    await page.click('[role=dialog] button[data-confirm]');
    expect(await page.locator('[role=dialog] [role=alert]').textContent()).toContain('positive whole number');
    await page.fill('[role=dialog] input[name=n]', '2');
    await page.click('[role=dialog] button[data-confirm]');
    await page.locator('[role=status]').waitFor();
    expect(fake.actions).toEqual([{ name: 'pool-grow', body: { worker: 'py@host', n: 2 }, csrf: fake.csrfToken, contentType: 'application/json' }]);
  });

  it('disables every action on a read-only dashboard', async () => {
    fake.answers.set('/api/session', { csrfToken: fake.csrfToken, authRequired: false, readOnly: true });
    await page.goto(`${fake.url}#/workers`);
    await page.locator('header .badge:text-is("read-only")').waitFor();
    const buttons = page.locator('button[data-action]');
    expect(await buttons.count()).toBeGreaterThan(0);
    expect(await buttons.evaluateAll((all: unknown[]) => all.every((button) => (button as { disabled: boolean }).disabled))).toBe(true);
  });

  it('reconnects when the stream drops and shows the fresh overview', async () => {
    await page.goto(fake.url);
    await page.locator('[data-connected="true"]').waitFor();
    const before = fake.streamsOpened();
    fake.answers.set('/api/overview', { ...overview, totals: { ...overview.totals, failed: 4 } });
    fake.dropStreams();
    await expect.poll(() => fake.streamsOpened(), { timeout: 10_000 }).toBeGreaterThan(before);
    await page.locator('[data-total="failed"] .total-value:text-is("4")').waitFor();
  });
});
