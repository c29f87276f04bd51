// The `celerity` command on a terminal (util-linux `script` gives it one): a progress bar for
// `call --count` and `dlq replay --all`, a boxed table and colours for `purge`; the same commands piped print plain text.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { createJsonSerializer, encodeTaskMessage } from '@celerity/core';
import { createRedisBroker } from '@celerity/broker-redis';
import { celerity } from './cli-process.js';
import { REDIS_URL } from './redis-and-rabbit.js';

const run = promisify(execFile);
const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
const url = `${REDIS_URL}/${1 + Math.floor(Math.random() * 15)}`;
const queue = `cli-tty-${crypto.randomUUID()}`;
const redis = new Redis(url);
afterAll(async () => {
  await redis.del(queue);
  redis.disconnect();
});

/** Runs `celerity …` on a pseudo-terminal; what the terminal showed. */
async function onTerminal(args: string): Promise<string> {
  const command = `'${process.execPath}' --conditions=source --import tsx '${cli}' ${args}`;
  const env = { ...process.env };
  delete env['NO_COLOR'];
  delete env['FORCE_COLOR'];
  const { stdout } = await run('script', ['-qec', command, '/dev/null'], { env, timeout: 60_000 });
  return stdout;
}

describe('on a terminal', () => {
  it('call --count shows a progress bar on stderr while the ids go to stdout', async () => {
    const ids = join(mkdtempSync(join(tmpdir(), 'celerity-tty-')), 'ids.txt');
    const shown = await onTerminal(`call test.add --args '[1, 2]' -Q ${queue} -b ${url} --count 700 > '${ids}'`);
    expect(shown).toContain('Sending test.add [');
    expect(shown).toContain('100% | 700/700');
    expect(readFileSync(ids, 'utf8').trim().split('\n')).toHaveLength(700);
    expect(await redis.llen(queue)).toBe(700);
  }, 60_000);

  it('purge draws a boxed table with a bold header', async () => {
    const shown = await onTerminal(`purge -f -Q ${queue} -b ${url}`);
    expect(shown).toMatch(/┌─+┬─+┐/);
    expect(shown).toContain('\u001b[1mqueue\u001b[22m');
    expect(shown).toMatch(new RegExp(`│ ${queue} │ 700 +│`));
    expect(shown).toContain('Purged 700 messages from 1 known task queue.');
    expect(await redis.llen(queue)).toBe(0);
  }, 60_000);

  it('dlq replay --all shows a progress bar and sends every entry back', async () => {
    const dead = `cli-tty-dead-${crypto.randomUUID()}`;
    const broker = createRedisBroker({ url });
    const serializer = createJsonSerializer();
    try {
      await broker.declareQueue(dead);
      for (let i = 0; i < 150; i++) {
        const envelope = encodeTaskMessage({ id: `dead-${i}`, task: 'test.add', args: [i, 1] }, { serializer });
        await broker.deadLetters!.add(dead, envelope, { reason: 'max-deliveries', deliveries: 3 });
      }
      const shown = await onTerminal(`dlq replay --all -Q ${dead} -b ${url}`);
      expect(shown).toContain(`Replaying ${dead} [`);
      expect(shown).toContain('100% | 150/150');
      expect(shown).toContain(`Replayed 150 dead-lettered messages to ${dead}; 0 left in its dead-letter queue`);
      expect(await redis.llen(dead)).toBe(150);
    } finally {
      await redis.del(dead);
      await broker.close();
    }
  }, 60_000);

  it('piped, the same commands print plain text: no bar, no box, no escape codes', async () => {
    const sent = await celerity(['call', 'test.add', '-Q', queue, '-b', url, '--count', '600']);
    expect(sent.stderr).toBe('');
    expect(sent.stdout.trim().split('\n')).toHaveLength(600);
    const purged = await celerity(['purge', '-f', '-Q', queue, '-b', url]);
    expect(purged.stdout).not.toMatch(/[┌│\u001b]/);
    expect(purged.stdout).toContain('Purged 600 messages');
  }, 60_000);
});
