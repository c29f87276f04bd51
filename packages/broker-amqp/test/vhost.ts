/**
 * A fresh RabbitMQ vhost per test file on the shared server (127.0.0.1:5672, guest/guest), made with
 * `rabbitmqctl` (the management plugin is not enabled here) and deleted afterwards, so test runs
 * never see each other's queues. Under the version matrix (`CELERITY_TEST_AMQP_URL`) the tests use
 * the vhost of the matrix's private node instead: that node is the run's alone.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { randomSuffix } from '@celerity/testing';
import { testAmqpUrl } from '@celerity/testing/internal';

const run = promisify(execFile);

/** A vhost made for one test file. */
export interface TestVhost {
  name: string;
  /** `amqp://guest:guest@127.0.0.1:5672/<vhost>`. */
  url: string;
  dispose(): Promise<void>;
}

async function rabbitmqctl(...args: string[]): Promise<void> {
  await run('rabbitmqctl', ['-q', ...args], { timeout: 60_000 });
}

/** Creates `celerity-test-<random>` with full permissions for guest (the matrix's node: its vhost, kept). */
export async function createTestVhost(): Promise<TestVhost> {
  const matrixUrl = testAmqpUrl();
  if (matrixUrl !== undefined) return { name: decodeURIComponent(new URL(matrixUrl).pathname.slice(1)), url: matrixUrl, dispose: async () => undefined };
  const name = `celerity-test-${randomSuffix()}`;
  await rabbitmqctl('add_vhost', name);
  await rabbitmqctl('set_permissions', '-p', name, 'guest', '.*', '.*', '.*');
  return {
    name,
    url: `amqp://guest:guest@127.0.0.1:5672/${encodeURIComponent(name)}`,
    dispose: () => rabbitmqctl('delete_vhost', name),
  };
}

/** Rows of `rabbitmqctl list_<what> -p <vhost> <columns…> --formatter json`. */
export async function listObjects(vhost: string, what: 'queues' | 'exchanges' | 'bindings', columns: string[]): Promise<Array<Record<string, unknown>>> {
  const { stdout } = await run('rabbitmqctl', ['-q', `list_${what}`, '-p', vhost, ...columns, '--formatter', 'json'], { timeout: 60_000 });
  return JSON.parse(stdout) as Array<Record<string, unknown>>;
}
