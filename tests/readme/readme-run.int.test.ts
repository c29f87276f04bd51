// Runs every TypeScript block of every README.md, in README order, as a file in the README's
// directory (`node --conditions=source --import tsx <file>`), against the local Redis and RabbitMQ:
// `redis://localhost…` URLs in a block (and in its `worker` annotation) point at a scratch database
// of this run, `amqp://guest:guest@localhost:5672//` at a vhost of this run. A block must exit 0
// within its timeout and print the lines its annotation lists; a `worker` annotation runs
// `celerity worker` beside it, a `background` block runs until the next block has run and must
// then stop warmly on SIGTERM. The annotations are described in readme-blocks.ts; type-checking
// is readme-types.test.ts's job.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRabbitVhost, type RabbitVhost } from '../interop/harness/rabbitmq.js';
import { createRedisScratch, type RedisScratch } from '../interop/harness/redis.js';
import { describeBlock, readmeBlocks, splitArgs, unusedModules, type ReadmeBlock } from './readme-blocks.js';
import { removeSnippets, writeSnippets, type SnippetFolder } from './readme-compile.js';
import { pendingEntry } from './pending.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const celerity = join(root, 'scripts', 'celerity.ts');
const all = readmeBlocks(root);

const REDIS_URL = /redis:\/\/(?:localhost|127\.0\.0\.1)(?::6379)?(?:\/\d+)?(?![\w/.:@%-])/g;
const AMQP_URL = /amqp:\/\/(?:guest:guest@)?(?:localhost|127\.0\.0\.1)(?::5672)?(?:\/(?:\/|%2F))?(?![\w/.:@%-])/g;

let redis: RedisScratch | undefined;
let rabbit: RabbitVhost | undefined;

function pointAtScratch(text: string): string {
  return text
    .replace(REDIS_URL, () => {
      if (!redis) throw new Error('no scratch Redis database');
      return redis.url;
    })
    .replace(AMQP_URL, () => {
      if (!rabbit) throw new Error('no scratch RabbitMQ vhost');
      return rabbit.url;
    });
}

/** Run on its own (or beside the next one, for `background`). */
const runs = (block: ReadmeBlock): boolean => !block.module && block.noRun === undefined && pendingEntry(block) === undefined;
/** Run on its own, or loaded by a block that runs: its URLs must point at the scratch servers. */
const executed = (block: ReadmeBlock): boolean => runs(block) || block.module;
const needsRabbit = [...all.values()].flat().some((b) => executed(b) && (b.code + (b.worker ?? '')).match(AMQP_URL) !== null);

/** A process started for a block, with everything it printed. */
interface Started {
  readonly child: ChildProcessWithoutNullStreams;
  readonly what: string;
  stdout: string;
  stderr: string;
  readonly exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const children = new Set<ChildProcessWithoutNullStreams>();

function start(args: string[], cwd: string, what: string): Started {
  const env = { ...process.env };
  for (const name of ['CELERITY_BROKER_URL', 'CELERITY_RESULT_BACKEND', 'CELERY_BROKER_URL', 'CELERY_RESULT_BACKEND']) delete env[name];
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', ...args], { cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
  child.stdin.end();
  children.add(child);
  const started: Started = {
    child,
    what,
    stdout: '',
    stderr: '',
    exit: new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        children.delete(child);
        resolve({ code, signal });
      }),
    ),
  };
  child.stdout.on('data', (chunk: Buffer) => (started.stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (started.stderr += chunk.toString('utf8')));
  return started;
}

function output(p: Started): string {
  return `--- stdout of ${p.what}:\n${p.stdout}--- stderr:\n${p.stderr}`;
}

async function exitWithin(p: Started, seconds: number): Promise<{ code: number | null; signal: NodeJS.Signals | null } | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), seconds * 1000)));
  try {
    return await Promise.race([p.exit, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Stops a process that must still be running, with SIGTERM, and expects a clean exit. */
async function stopWarmly(p: Started): Promise<void> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) {
    throw new Error(`${p.what} exited early (code ${p.child.exitCode}, signal ${p.child.signalCode})\n${output(p)}`);
  }
  p.child.kill('SIGTERM');
  const exit = await exitWithin(p, 20);
  if (!exit) {
    p.child.kill('SIGKILL');
    throw new Error(`${p.what} did not stop within 20 s of SIGTERM\n${output(p)}`);
  }
  if (exit.code !== 0) throw new Error(`${p.what} exited with code ${exit.code} (signal ${exit.signal}) after SIGTERM\n${output(p)}`);
}

async function startWorker(block: ReadmeBlock, folder: SnippetFolder): Promise<Started> {
  const args = splitArgs(pointAtScratch(block.worker!));
  if (!args.some((a) => a === '-l' || a.startsWith('--loglevel'))) args.push('-l', 'info');
  const worker = start([celerity, 'worker', ...args], folder.dir, `celerity worker ${block.worker} (for ${describeBlock(block)})`);
  const deadline = Date.now() + 60_000;
  while (!/ ready\.(\s*$|")/m.test(worker.stdout + worker.stderr)) {
    if (worker.child.exitCode !== null || worker.child.signalCode !== null) throw new Error(`${worker.what} exited before it was ready\n${output(worker)}`);
    if (Date.now() > deadline) {
      worker.child.kill('SIGKILL');
      throw new Error(`${worker.what} not ready within 60 s\n${output(worker)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return worker;
}

/** Whether `stdout` holds each expected line (or `/regex/` match) as a whole line, in order. */
function missingLine(stdout: string, expected: readonly string[]): string | undefined {
  const lines = stdout.split('\n').map((l) => l.trimEnd());
  let from = 0;
  for (const want of expected) {
    const regex = /^\/(.*)\/$/.exec(want);
    const matches = (line: string) => (regex ? new RegExp(regex[1]!).test(line) : line === want);
    const at = lines.findIndex((line, i) => i >= from && matches(line));
    if (at < 0) return want;
    from = at + 1;
  }
  return undefined;
}

async function runBlock(block: ReadmeBlock, folder: SnippetFolder, background: readonly ReadmeBlock[]): Promise<void> {
  const name = describeBlock(block);
  const helpers: Started[] = [];
  const failures: string[] = [];
  try {
    for (const b of background) helpers.push(start([b.file], folder.dir, `${describeBlock(b)} (background)`));
    if (block.worker !== undefined) helpers.push(await startWorker(block, folder));
    const run = start([block.file], folder.dir, name);
    const exit = await exitWithin(run, block.timeout);
    if (!exit) {
      run.child.kill('SIGKILL');
      failures.push(`${name} did not finish within ${block.timeout} s\n${output(run)}`);
    } else if (exit.code !== 0) {
      failures.push(`${name} exited with code ${exit.code} (signal ${exit.signal})\n${output(run)}`);
    } else if (block.prints.length === 0 && run.stdout.trim() !== '') {
      failures.push(`${name} printed output but its annotation declares none (add prints="…")\n${output(run)}`);
    } else {
      const missing = missingLine(run.stdout, block.prints);
      if (missing !== undefined) failures.push(`${name} did not print the line ${JSON.stringify(missing)} (expected, in order: ${JSON.stringify(block.prints)})\n${output(run)}`);
    }
  } catch (error) {
    failures.push((error as Error).message);
  } finally {
    for (const helper of helpers.reverse()) await stopWarmly(helper).catch((error: unknown) => failures.push((error as Error).message));
  }
  if (failures.length > 0) throw new Error(`${failures.join('\n\n')}\n(the block files are in ${folder.dir})`);
}

beforeAll(async () => {
  redis = await createRedisScratch();
  if (needsRabbit) rabbit = await createRabbitVhost();
}, 120_000);

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await redis?.cleanup();
  await rabbit?.cleanup();
}, 120_000);

for (const [readme, blocks] of all) {
  if (blocks.length === 0) continue;
  describe(readme, () => {
    let folder: SnippetFolder | undefined;
    let failed = false;
    beforeAll(() => {
      folder = writeSnippets(root, readme, blocks, 'run', (code, block) => (executed(block) ? pointAtScratch(code) : code));
    });
    afterAll(() => {
      if (folder && !failed) removeSnippets(folder);
    });

    if (blocks.some((b) => b.module)) {
      it('every module block is loaded by a block that runs', () => {
        const unused = unusedModules(blocks, runs);
        expect(unused.map(describeBlock), 'module blocks nothing runs (import them, or name them in a worker -A)').toEqual([]);
      });
    }

    let background: ReadmeBlock[] = [];
    for (const block of blocks) {
      const title = `block ${block.index} (${block.file}, line ${block.line})`;
      const pending = pendingEntry(block);
      if (block.module) continue;
      if (block.noRun !== undefined) {
        it.skip(`${title}: type-checked only (${block.noRun})`, () => undefined);
        continue;
      }
      if (pending) {
        it.skip(`${title}: pending in tests/readme/pending.ts (${pending.reason})`, () => undefined);
        continue;
      }
      if (block.background) {
        background.push(block);
        continue;
      }
      const withBackground = background;
      background = [];
      const seconds = block.timeout + 60 + (withBackground.length > 0 ? 30 : 0);
      it(
        `${title}${withBackground.length > 0 ? ` with ${withBackground.map((b) => b.file).join(', ')} in the background` : ''}`,
        async () => {
          try {
            await runBlock(block, folder!, withBackground);
          } catch (error) {
            failed = true;
            throw error;
          }
        },
        seconds * 1000,
      );
    }
    if (background.length > 0) {
      it('every background block has a block after it to run beside', () => {
        expect(background.map(describeBlock), 'background blocks with no block after them').toEqual([]);
      });
    }
  });
}
