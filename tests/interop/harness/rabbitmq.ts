/**
 * A RabbitMQ virtual host of its own for one test file, created and deleted with `rabbitmqctl`
 * (which needs root or the rabbitmq user), so queues and exchanges never meet other runs'. Under
 * the version matrix (`CELERITY_TEST_AMQP_URL`, a private node of the run's own) it is that node's
 * vhost as it is, and cleanup deletes nothing (the node is deleted after the run).
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { ConfigurationError } from '@celerity/core';
import { createAmqpBroker } from '@celerity/broker-amqp';
import { testAmqpUrl } from '@celerity/testing/internal';

const run = promisify(execFile);

/** Options of {@link createRabbitVhost}. */
export interface RabbitVhostOptions {
  /** @default '127.0.0.1' */
  host?: string;
  /** @default 5672 */
  port?: number;
  /** User given full permissions on the vhost. @default 'guest' */
  user?: string;
  /** @default 'guest' */
  password?: string;
}

/** A virtual host that exists until {@link RabbitVhost.cleanup}. */
export interface RabbitVhost {
  readonly vhost: string;
  /** `amqp://user:password@host:port/<vhost>`, for `BROKER_URL`. */
  readonly url: string;
  /** Deletes the vhost with everything in it. Safe to call twice. */
  cleanup(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

async function rabbitmqctl(...args: string[]): Promise<void> {
  try {
    await run('rabbitmqctl', args, { timeout: 60_000 });
  } catch (error) {
    const e = error as { stderr?: string; message: string };
    throw new Error(`rabbitmqctl ${args.join(' ')} failed: ${e.stderr?.trim() || e.message}`);
  }
}

/**
 * Creates `celerity-test-<hex>` and grants `user` everything on it.
 * @example
 * const rabbit = await createRabbitVhost();
 * afterAll(() => rabbit.cleanup());
 * const env = { BROKER_URL: rabbit.url };
 */
export async function createRabbitVhost(options: RabbitVhostOptions = {}): Promise<RabbitVhost> {
  const matrixUrl = testAmqpUrl();
  if (matrixUrl !== undefined && options.host === undefined && options.port === undefined) {
    const kept = async (): Promise<void> => undefined;
    return { vhost: decodeURIComponent(new URL(matrixUrl).pathname.slice(1)), url: matrixUrl, cleanup: kept, [Symbol.asyncDispose]: kept };
  }
  const user = options.user ?? 'guest';
  const password = options.password ?? 'guest';
  const vhost = `celerity-test-${randomBytes(6).toString('hex')}`;
  await rabbitmqctl('add_vhost', vhost);
  try {
    await rabbitmqctl('set_permissions', '-p', vhost, user, '.*', '.*', '.*');
  } catch (error) {
    await rabbitmqctl('delete_vhost', vhost).catch(() => undefined);
    throw error;
  }
  let done = false;
  const cleanup = async () => {
    if (done) return;
    done = true;
    await rabbitmqctl('delete_vhost', vhost);
  };
  const auth = `${encodeURIComponent(user)}:${encodeURIComponent(password)}`;
  return {
    vhost,
    url: `amqp://${auth}@${options.host ?? '127.0.0.1'}:${options.port ?? 5672}/${encodeURIComponent(vhost)}`,
    cleanup,
    [Symbol.asyncDispose]: cleanup,
  };
}

/**
 * Whether the node at `url` refuses transient non-exclusive queues (RabbitMQ 4.3's default; the
 * version matrix's 4.0 node is configured so), found by declaring one in `url`'s vhost: Celery 5.2
 * and 5.5 declare their pidbox and `rpc://` reply queues that way. Where it is allowed, the probe
 * queue stays until the vhost is deleted.
 * @example
 * if (await deniesTransientQueues(rabbit.url)) env.REMOTE_CONTROL = '0';
 */
export async function deniesTransientQueues(url: string): Promise<boolean> {
  const broker = createAmqpBroker({ url, connectionName: 'transient-queue-probe' });
  try {
    await broker.declareQueue(`celerity-test-transient-probe-${randomBytes(6).toString('hex')}`, { durable: false });
    return false;
  } catch (error) {
    // broker-amqp maps the 541 naming the feature to a ConfigurationError (rabbitmq4.int.test.ts).
    if (error instanceof ConfigurationError && error.message.includes('transient_nonexcl_queues')) return true;
    throw error;
  } finally {
    await broker.close();
  }
}
