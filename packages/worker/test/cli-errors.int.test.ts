// The `celerity` command's user errors, as a user meets them: each is one clear line on stderr and
// a non-zero exit, with nothing sent when the command line itself was wrong. Redis and RabbitMQ
// on loopback; the RabbitMQ vhost and Redis keys are this file's own.
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { waitFor } from '@celerity/testing';
import { celerity, spawnCelerity } from './cli-process.js';
import { REDIS_URL, useRedisAndRabbit } from './redis-and-rabbit.js';

const fixture = (name: string): string => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
const db = 1 + Math.floor(Math.random() * 15);
const url = `${REDIS_URL}/${db}`;
const queue = `cli-errors-${crypto.randomUUID()}`;
const servers = useRedisAndRabbit();
const redis = new Redis(url);
const children: Array<ReturnType<typeof spawnCelerity>> = [];
afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await redis.del(queue);
  redis.disconnect();
});

/** A `call` that must be refused before it sends anything to `queue`. */
async function refusedCall(extra: string[], env: Record<string, string> = {}) {
  const out = await celerity(['call', 'test.add', '-Q', queue, '-b', url, ...extra], { env });
  expect(await redis.llen(queue)).toBe(0);
  return out;
}

describe('celerity call: every flag checked before sending', () => {
  it.each([
    [['--countdown', 'abc'], "celerity: --countdown takes a number of seconds ≥ 0, got 'abc'\n"],
    [['--eta', 'tomorrow'], "celerity: --eta takes an ISO 8601 date and time (e.g. 2030-01-31T12:00:00Z), got 'tomorrow'\n"],
    [['--priority', 'high'], "celerity: --priority takes a whole number from 0 to 255 (0–9 on Redis), got 'high'\n"],
    [['--wait', '--timeout', 'abc', '--result-backend', url], "celerity: --timeout takes a number of seconds > 0, got 'abc'\n"],
    [['--serializer', 'yaml'], /^celerity: --serializer: unknown serializer 'yaml'; available: json/],
    [['--args', '[1, 2'], /^celerity: --args is not valid JSON: /],
    [['--args', '{"x": 1}'], /^celerity: --args takes a JSON array/],
    [['--wait'], 'celerity: --wait needs a result backend: --result-backend <url> or CELERITY_RESULT_BACKEND (nothing was sent)\n'],
    [['--bogus'], /^celerity: Unknown option '--bogus'/],
  ])('%j is refused in one line, exit 2', async (extra, message) => {
    const out = await refusedCall(extra);
    expect(out.code).toBe(2);
    if (typeof message === 'string') expect(out.stderr).toBe(message);
    else expect(out.stderr).toMatch(message);
    expect(out.stderr.trim().split('\n')).toHaveLength(1);
    expect(out.stdout).toBe('');
  });

  it('-A before the command, as Celery: a task the module does not export is refused', async () => {
    const out = await celerity(['-A', fixture('tasks.ts'), 'call', 'test.nope', '-Q', queue, '-b', url]);
    expect(out).toMatchObject({ code: 1, stdout: '' });
    expect(out.stderr).toBe(`celerity: unknown task 'test.nope': ${fixture('tasks.ts')} exports test.add, test.sleepy\n`);
    expect(await redis.llen(queue)).toBe(0);
  });
});

describe('inspect and control: help, the command list, Celery\'s usage errors', () => {
  it('lists the commands, and refuses one of the other kind with exit 2', async () => {
    expect((await celerity(['--help'])).stdout).toMatch(/inspect[\s\S]*control[\s\S]*status[\s\S]*purge[\s\S]*report/);
    expect((await celerity(['inspect', '--help'])).stdout).toContain('-d, --destination <nodes>');
    expect((await celerity(['inspect', '--list'])).stdout).toMatch(/^Inspect Commands:\n {2}active /);
    const wrong = await celerity(['control', 'registered', '-b', url]);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/^celerity: Command registered not recognized\. Available control commands: add_consumer, autoscale, /);
    const badNumber = await celerity(['control', 'pool_grow', 'many', '-b', url]);
    expect(badNumber).toMatchObject({ code: 2, stderr: "celerity: pool_grow: n takes a whole number, got 'many'\n" });
    const before = await celerity(['-c', '2', 'worker']);
    expect(before.code).toBe(2);
    expect(before.stderr).toBe("celerity: unknown option '-c' before the command (options go after it: celerity <command> -c …)\n");
  }, 30_000);
});

describe('unreachable servers and wrong passwords', () => {
  it('a closed port is one line naming the URL (password hidden)', async () => {
    const out = await celerity(['call', 'test.add', '-b', 'redis://:secret@127.0.0.1:1/0'], { timeout: 60_000 });
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(/^celerity: cannot connect to redis:\/\/:\*+@127\.0\.0\.1:1\/0: [^\n]+\n$/);
    expect(out.stderr).not.toContain('secret');
    const amqp = await celerity(['status', '-b', 'amqp://guest:secret@127.0.0.1:1//'], { timeout: 60_000 });
    expect(amqp.code).toBe(1);
    expect(amqp.stderr).toMatch(/^celerity: cannot connect to amqp:\/\/guest:\*+@127\.0\.0\.1:1\/\/: [^\n]+\n$/);
  }, 70_000);

  it('a wrong AMQP password is said once, without a stack', async () => {
    const bad = servers.vhostUrl.replace('guest:guest@', 'guest:wrong@');
    const out = await celerity(['status', '-b', bad], { timeout: 60_000 });
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(/^celerity: cannot connect to amqp:\/\/guest:\*+@127\.0\.0\.1:5672\/[^ ]+: wrong user name or password/);
    expect(out.stderr.trim().split('\n')).toHaveLength(1);
    expect(out.stderr).not.toMatch(/\n\s+at /);
    // Celery's line format (the default is JSON lines when stdout is not a terminal).
    const worker = await celerity(['worker', '-A', fixture('tasks.ts'), '-b', bad, '--log-format', 'text'], { timeout: 60_000 });
    expect(worker.code).toBe(1);
    const log = worker.stdout + worker.stderr;
    expect(log.match(/ACCESS_REFUSED - Login was refused/g)).toHaveLength(1);
    expect(log).toMatch(/ERROR\/MainProcess\] worker: cannot start: AMQP connect failed: .*ACCESS_REFUSED/);
    expect(log).not.toMatch(/\n\s+at /);
  }, 70_000);
});

describe('task modules', () => {
  it('a module that is not there is one line', async () => {
    const out = await celerity(['worker', '-A', './no/such/tasks.ts', '-b', 'memory://']);
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(/^celerity: cannot find module \.\/no\/such\/tasks\.ts \(no file \/.*\/no\/such\/tasks\.ts\)\n$/);
  });

  it('a module that throws on import shows its file, line and the stack of its own code', async () => {
    const out = await celerity(['worker', '-A', fixture('throws-on-import.ts'), '-b', 'memory://']);
    expect(out.code).toBe(1);
    const [first, ...stack] = out.stderr.trim().split('\n');
    expect(first).toMatch(new RegExp(`^celerity: ${fixture('throws-on-import.ts')} failed to import at ${fixture('throws-on-import.ts')}:3:\\d+: Error: SETTINGS_PATH is not set$`));
    expect(stack[0]).toMatch(/^ {4}at readSettings \(.*throws-on-import\.ts:3:\d+\)$/);
    expect(stack.join('\n')).not.toMatch(/node:internal|@celerity|packages\/worker\/src/);
  });

  it('a module that exports no tasks starts a worker with a clear warning', async () => {
    const worker = spawnCelerity(['worker', '-A', fixture('no-tasks.ts'), '-b', 'memory://', '--log-format', 'text']);
    children.push(worker);
    await waitFor(() => worker.output().includes('ready.'), { timeout: 20_000 });
    expect(worker.output()).toContain(`WARNING/MainProcess] ${fixture('no-tasks.ts')} exports no tasks (defineTask(…) exports, or a default export of them): every task it receives fails with NotRegistered`);
    worker.kill('SIGKILL');
  }, 30_000);
});

describe('waiting', () => {
  it('Ctrl-C while waiting for a result exits at once with 130', async () => {
    const id = crypto.randomUUID();
    const waiting = spawnCelerity(['result', id, '--result-backend', url, '--timeout', '60']);
    children.push(waiting);
    const exited = new Promise<number | null>((resolve) => waiting.once('exit', (code) => resolve(code)));
    // Interrupt once it waits: subscribed to the task's channel (a fixed pause was too short on a busy CI machine).
    const subscribers = async (): Promise<number> => Number(((await redis.call('PUBSUB', 'NUMSUB', `celery-task-meta-${id}`)) as unknown[])[1]);
    await waitFor(async () => (await subscribers()) > 0, { timeout: 20_000 });
    const sent = Date.now();
    waiting.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(Date.now() - sent).toBeLessThan(2000);
  }, 30_000);

  it('an id no worker ran: one line after the timeout', async () => {
    const id = crypto.randomUUID();
    const out = await celerity(['result', id, '--result-backend', url, '--timeout', '0.5']);
    expect(out.code).toBe(1);
    expect(out.stderr).toBe(`celerity: no result for task ${id} within 0.5 s (is the id right, and is a worker running it?)\n`);
  });

  it("a failed task's traceback starts at the user's code, not ours", async () => {
    const worker = spawnCelerity(['-A', fixture('cli-tasks.ts'), 'worker', '-Q', queue, '-b', url, '--result-backend', url]);
    children.push(worker);
    await waitFor(() => worker.output().includes('ready.'), { timeout: 20_000 });
    const out = await celerity(['call', 'cli.positive', '--args', '[-1]', '-Q', queue, '-b', url, '--result-backend', url, '--wait', '--timeout', '20']);
    worker.kill('SIGKILL');
    expect(out.code).toBe(1);
    expect(out.stdout).toContain('"state":"FAILURE"');
    const lines = out.stderr.trim().split('\n');
    expect(lines[0]).toBe('Traceback (most recent call last):');
    expect(lines[1]).toMatch(/^ {2}File ".*fixtures\/cli-tasks\.ts", line \d+, in /);
    // RangeError is Python's ValueError in the stored exception.
    expect(lines.at(-1)).toBe('ValueError: negative: -1');
    expect(out.stderr).not.toMatch(/packages\/(worker|core)\/src|node:internal/);
  }, 40_000);
});
