/** monitorRedis against a private server that requires a password: AUTH first, then every command heard. */
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { startRedisServer } from '../src/index.js';
import { monitorRedis } from '../src/redis-monitor.js';

describe('monitorRedis', () => {
  it('authenticates with the password (and user name) in the URL, hears the commands that follow, and refuses a wrong password', async () => {
    await using server = await startRedisServer({ password: 's3cret' });
    const url = `redis://:s3cret@127.0.0.1:${server.port}`;
    const monitor = await monitorRedis(url);
    const client = new Redis(url);
    try {
      await client.set('monitored "key"', 'v');
      await client.get('monitored "key"');
      await new Promise((resolve) => setTimeout(resolve, 50));
    } finally {
      client.disconnect();
      await monitor.stop();
    }
    const heard = monitor.commands.filter((c) => c.args[1] === 'monitored "key"').map((c) => [c.db, c.args[0]?.toLowerCase()]);
    expect(heard).toEqual([
      [0, 'set'],
      [0, 'get'],
    ]);
    await expect(monitorRedis(`redis://:wrong@127.0.0.1:${server.port}`)).rejects.toThrow(/MONITOR on 127\.0\.0\.1:\d+: WRONGPASS/);
    // With a user name the AUTH carries it (`default` is the user `requirepass` sets the password of).
    const asUser = await monitorRedis(`redis://default:s3cret@127.0.0.1:${server.port}`);
    await asUser.stop();
    await expect(monitorRedis(`redis://nobody:s3cret@127.0.0.1:${server.port}`)).rejects.toThrow(/WRONGPASS/);
  });
});
