/**
 * `celerity beat` as a user runs it: the entry commands and their errors, a schedule exported by
 * -A, and `celerity worker -B` running the tasks its embedded beat sends.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { deleteKeys, waitFor } from '@celerity/testing';
import { celerity, spawnCelerity } from './cli-process.js';

const REDIS_URL = 'redis://127.0.0.1:6379/0';
const redis = new Redis(REDIS_URL);
const id = randomUUID().slice(0, 8);
const beatTasks = fileURLToPath(new URL('./fixtures/beat-tasks.ts', import.meta.url));
const celeryShape = fileURLToPath(new URL('./fixtures/beat-celery-shape.ts', import.meta.url));
const beatConfig = fileURLToPath(new URL('./fixtures/beat-config.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'celerity-beat-'));
const prefixes: string[] = [];
const queues: string[] = [];

function fresh(): { prefix: string; queue: string; common: string[] } {
  const n = prefixes.length;
  const prefix = `celerity-test-beat-${id}-${n}:`;
  const queue = `celerity-test-beat-q-${id}-${n}`;
  prefixes.push(prefix);
  queues.push(queue);
  return { prefix, queue, common: ['-b', REDIS_URL, '--prefix', prefix] };
}

afterAll(async () => {
  for (const prefix of prefixes) await deleteKeys(redis, `${prefix}*`);
  if (queues.length > 0) await redis.del(...queues);
  redis.disconnect();
  rmSync(dir, { recursive: true, force: true });
});

describe('celerity beat list | add | remove | enable | disable', () => {
  it('edits the schedule stored in Redis', async () => {
    const { common } = fresh();
    expect(await celerity(['beat', 'list', ...common])).toMatchObject({ code: 0, stdout: 'No beat entries.\n' });
    expect(await celerity(['beat', 'add', 'nightly', '--task', 'tasks.report', '--cron', '30 2 * * *', '--timezone', 'Europe/Berlin', '--kwargs', '{"full":true}', '--priority', '5', '--queue', 'reports', '--expires', '600', '--missed', 'skip', ...common])).toMatchObject({
      code: 0,
      stdout: "Added beat entry 'nightly': tasks.report, cron '30 2 * * *' Europe/Berlin.\n",
    });
    expect(await celerity(['beat', 'disable', 'nightly', ...common])).toMatchObject({ code: 0, stdout: "Disabled beat entry 'nightly'.\n" });
    const listed = await celerity(['beat', 'list', '--json', ...common]);
    expect(JSON.parse(listed.stdout)).toEqual([
      {
        name: 'nightly',
        task: 'tasks.report',
        schedule: { cron: '30 2 * * *', timezone: 'Europe/Berlin' },
        args: [],
        kwargs: { full: true },
        options: { queue: 'reports', priority: 5, expires: 600 },
        missed: 'skip',
        enabled: false,
      },
    ]);
    const table = await celerity(['beat', 'list', ...common]);
    expect(table.stdout).toMatch(/nightly\s+tasks\.report\s+cron '30 2 \* \* \*' Europe\/Berlin\s+no\s+-/);
    expect(await celerity(['beat', 'enable', 'nightly', ...common])).toMatchObject({ code: 0, stdout: "Enabled beat entry 'nightly'.\n" });
    expect(await celerity(['beat', 'remove', 'nightly', ...common])).toMatchObject({ code: 0, stdout: "Removed beat entry 'nightly'.\n" });
    expect(await celerity(['beat', 'list', ...common])).toMatchObject({ code: 0, stdout: 'No beat entries.\n' });
  });

  it('fails in one line, exit 1 for a missing entry or a bad schedule, 2 for a usage mistake; nothing is written', async () => {
    const { common, prefix } = fresh();
    expect(await celerity(['beat', 'remove', 'ghost', ...common])).toMatchObject({ code: 1, stderr: "celerity: no beat entry 'ghost'\n" });
    expect(await celerity(['beat', 'run-now', 'ghost', ...common])).toMatchObject({ code: 1, stderr: "celerity: no beat entry 'ghost'\n" });
    const badCron = await celerity(['beat', 'add', 'x', '--task', 't', '--cron', '61 * * * *', ...common]);
    expect(badCron.code).toBe(1);
    expect(badCron.stderr).toMatch(/^celerity: invalid cron schedule '61 \* \* \* \*': .+\n$/);
    expect(await celerity(['beat', 'add', 'x', '--task', 't', ...common])).toMatchObject({ code: 2, stderr: 'celerity: beat add needs one of --every, --cron, --at\n' });
    expect(await celerity(['beat', 'add', 'x', '--task', 't', '--every', '1', '--args', '{nope', ...common])).toMatchObject({ code: 2, stderr: "celerity: --args must be JSON, got '{nope'\n" });
    expect(await celerity(['beat', 'enable', ...common])).toMatchObject({ code: 2, stderr: 'celerity: beat enable needs an entry name\n' });
    expect(await celerity(['beat', 'frobnicate', ...common])).toMatchObject({ code: 2 });
    expect(await celerity(['beat', '-s', 'celerybeat-schedule', ...common])).toMatchObject({
      code: 2,
      stderr: "celerity: -s/--schedule names Celery's schedule file; celerity beat keeps the schedule in Redis (--store)\n",
    });
    expect(await celerity(['beat', 'list', '-b', 'amqp://guest:guest@127.0.0.1:5672//'])).toMatchObject({
      code: 2,
      stderr: 'celerity: beat keeps its schedule in Redis: give --store <redis-url> (the broker amqp:// is not Redis)\n',
    });
    expect(await redis.keys(`${prefix}*`)).toEqual([]);
  });

  it('keeps the schedule in --store or CELERITY_BEAT_STORE_URL when the broker is not Redis', async () => {
    const { prefix } = fresh();
    const amqp = ['-b', 'amqp://guest:guest@127.0.0.1:5672//', '--prefix', prefix];
    expect(await celerity(['beat', 'add', 'a', '--task', 't', '--every', '5', '--store', REDIS_URL, ...amqp])).toMatchObject({ code: 0 });
    const listed = await celerity(['beat', 'list', '--json', ...amqp], { env: { CELERITY_BEAT_STORE_URL: REDIS_URL } });
    expect((JSON.parse(listed.stdout) as Array<{ name: string }>).map((e) => e.name)).toEqual(['a']);
  });
});

describe('running', () => {
  it("celerity beat -A writes the module's schedule to the store and sends its ticks", async () => {
    const { common, prefix, queue } = fresh();
    const beat = spawnCelerity(['beat', '-A', beatTasks, ...common, '--lease', '2', '--poll', '0.2'], { env: { BEAT_QUEUE: queue } });
    try {
      await waitFor(async () => (await redis.llen(queue)) >= 2, { timeout: 30_000 });
      expect(await redis.hkeys(`${prefix}entries`)).toEqual(['note-every-second']);
      // The broker is the store's Redis: each tick is claimed and queued in one script.
      expect(beat.output()).toContain('beat: ticks claimed and queued in one Redis script');
      const message = JSON.parse((await redis.lindex(queue, 0))!) as { headers: { task: string; beat_tick: string } };
      expect(message.headers.task).toBe('beat.note');
      expect(Date.parse(message.headers.beat_tick) % 1000).toBe(0);
    } finally {
      beat.kill('SIGTERM');
      await new Promise((resolve) => beat.once('close', resolve));
    }
    expect(beat.exitCode).toBe(0);
    expect(await redis.exists(`${prefix}lease`)).toBe(0);
  });

  it('a Redis broker on another db than the store: beat warns and claims, publishes, then clears each tick', async () => {
    const { prefix, queue } = fresh();
    const db1 = new Redis('redis://127.0.0.1:6379/1');
    const args = ['beat', '-A', beatTasks, '-b', 'redis://127.0.0.1:6379/1', '--store', REDIS_URL, '--prefix', prefix, '--lease', '2', '--poll', '0.2', '--log-format', 'json'];
    const beat = spawnCelerity(args, { env: { BEAT_QUEUE: queue } });
    try {
      await waitFor(async () => (await db1.llen(queue)) >= 2, { timeout: 30_000 });
      expect(beat.output()).toContain("the store is not on the Redis broker's server and db");
      expect(beat.output()).toContain('"delivery":"send"');
    } finally {
      beat.kill('SIGTERM');
      await new Promise((resolve) => beat.once('close', resolve));
      await db1.del(queue, `_kombu.binding.${queue}`);
      db1.disconnect();
    }
    // Stopped after its poll: each tick it claimed was cleared once the broker had it.
    expect(await redis.hlen(`${prefix}pending`)).toBe(0);
    expect(await redis.hexists(`${prefix}last-run`, 'note-every-second')).toBe(1);
  });

  it("celerity beat -A takes a beat_schedule export in Celery's shape", async () => {
    const { common, prefix } = fresh();
    const beat = spawnCelerity(['beat', '-A', celeryShape, ...common]);
    try {
      await waitFor(async () => (await redis.hlen(`${prefix}entries`)) === 2, { timeout: 30_000 });
    } finally {
      beat.kill('SIGTERM');
      await new Promise((resolve) => beat.once('close', resolve));
    }
    const listed = JSON.parse((await celerity(['beat', 'list', '--json', ...common])).stdout) as Array<{ name: string; schedule: unknown; args: unknown[]; options: unknown }>;
    expect(listed.map(({ name, schedule, args, options }) => ({ name, schedule, args, options }))).toEqual([
      { name: 'hourly', schedule: { cron: '0 * * * *' }, args: [], options: {} },
      { name: 'ping-every-5s', schedule: { every: 5 }, args: [1], options: { queue: 'periodic' } },
    ]);
  });

  it('celerity worker -B runs the tasks its embedded beat sends, with the --beat-* options', async () => {
    const { queue, prefix } = fresh();
    const notes = join(dir, 'notes.txt');
    const args = ['worker', '-A', beatTasks, '-B', '-b', REDIS_URL, '-Q', queue, '--beat-prefix', prefix, '--beat-store', 'redis://127.0.0.1:6379/0', '--beat-lease', '3', '--beat-poll', '0.2'];
    const worker = spawnCelerity(args, { env: { BEAT_QUEUE: queue, BEAT_NOTES_FILE: notes } });
    try {
      await waitFor(() => existsSync(notes) && readFileSync(notes, 'utf8').split('\n').filter(Boolean).length >= 2, { timeout: 30_000 });
      // The schedule and the lease are under --beat-prefix, the lease for --beat-lease (3 s).
      expect(await redis.hkeys(`${prefix}entries`)).toEqual(['note-every-second']);
      const ttl = await redis.pttl(`${prefix}lease`);
      expect(ttl).toBeGreaterThan(2000);
      expect(ttl).toBeLessThanOrEqual(3000);
    } finally {
      worker.kill('SIGTERM');
      await new Promise((resolve) => worker.once('close', resolve));
    }
    expect(readFileSync(notes, 'utf8')).toMatch(/^(tick\n){2,}$/);
    // Stopped, it gave the lease up.
    expect(await redis.exists(`${prefix}lease`)).toBe(0);
  });

  it('--beat-* options without -B are a usage error', async () => {
    expect(await celerity(['worker', '-A', beatTasks, '-b', REDIS_URL, '--beat-lease', '3'])).toMatchObject({ code: 2, stderr: 'celerity: --beat-lease goes with -B\n' });
    expect(await celerity(['worker', '-A', beatTasks, '-b', REDIS_URL, '--beat-prefix', 'x:'])).toMatchObject({ code: 2, stderr: 'celerity: --beat-prefix goes with -B\n' });
  });

  it("the --config module's beatSchedule (Celery's beat_schedule shape) runs in celerity beat and in worker -B", async () => {
    const { prefix, queue, common } = fresh();
    const beat = spawnCelerity(['beat', '--config', beatConfig, ...common, '--lease', '2', '--poll', '0.2'], { env: { BEAT_QUEUE: queue } });
    try {
      await waitFor(async () => (await redis.llen(queue)) >= 1, { timeout: 30_000 });
      expect(await redis.hkeys(`${prefix}entries`)).toEqual(['config-note']);
      const message = JSON.parse((await redis.lindex(queue, 0))!) as { headers: { task: string } };
      expect(message.headers.task).toBe('beat.note'); // to the configuration's taskDefaultQueue
    } finally {
      beat.kill('SIGTERM');
      await new Promise((resolve) => beat.once('close', resolve));
    }
    expect(beat.exitCode).toBe(0);

    const other = fresh();
    const notes = join(dir, 'config-notes.txt');
    const worker = spawnCelerity(['worker', '-A', beatTasks, '-B', '--config', beatConfig, '-b', REDIS_URL, '-Q', other.queue, '--beat-prefix', other.prefix], {
      env: { BEAT_QUEUE: other.queue, BEAT_NOTES_FILE: notes },
    });
    try {
      await waitFor(() => existsSync(notes) && readFileSync(notes, 'utf8').includes('from-config'), { timeout: 30_000 });
      // Both the -A module's entry and the configuration's.
      expect((await redis.hkeys(`${other.prefix}entries`)).sort()).toEqual(['config-note', 'note-every-second']);
    } finally {
      worker.kill('SIGTERM');
      await new Promise((resolve) => worker.once('close', resolve));
    }
  });
});
