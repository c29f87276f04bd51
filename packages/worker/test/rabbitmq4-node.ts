/**
 * A RabbitMQ 4.0 node that behaves like 4.3 on what Celery peers declare: Debian trixie's
 * rabbitmq-server, run from the chroot scripts/python-celery.sh builds (scripts/rabbitmq4.sh
 * installs it there, and is run here when it is missing), on free ports of its own, with the
 * deprecated features RabbitMQ 4.3 denies by default denied.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startRabbitServer, type RabbitServer } from '@celerity/testing';
import { RABBITMQ_4_3_DENIALS } from '@celerity/testing/internal';

const run = promisify(execFile);
const INSTALL_SCRIPT = fileURLToPath(new URL('../../../scripts/rabbitmq4.sh', import.meta.url));
const BINARY = '/usr/lib/rabbitmq/bin/rabbitmq-server';

/** The chroot holding RabbitMQ 4.0. @default '/var/cache/celerity/trixie' (env `CELERITY_CHROOT`) */
export function rabbit4Root(): string {
  return process.env['CELERITY_CHROOT'] ?? '/var/cache/celerity/trixie';
}

/**
 * Why a RabbitMQ 4 node cannot be started here, or undefined when it can (installing
 * rabbitmq-server into the chroot first when it is missing).
 */
export async function rabbit4Unavailable(): Promise<string | undefined> {
  const root = rabbit4Root();
  if (process.getuid?.() !== 0) return `running a node from the chroot ${root} needs root`;
  if (!existsSync(`${root}/usr/bin/apt-get`)) return `no chroot at ${root}; run scripts/bootstrap.sh --all (as root)`;
  if (existsSync(root + BINARY)) return undefined;
  try {
    await run('bash', [INSTALL_SCRIPT], { timeout: 600_000 });
  } catch (error) {
    const e = error as { stderr?: string; message: string };
    return `installing rabbitmq-server into ${root} failed: ${e.stderr?.trim() || e.message}`;
  }
  return existsSync(root + BINARY) ? undefined : `${root}${BINARY} is still missing after scripts/rabbitmq4.sh`;
}

/** Starts the node (about 5–15 s); dispose it when done. */
export function startRabbit4(): Promise<RabbitServer> {
  return startRabbitServer({ root: rabbit4Root(), config: RABBITMQ_4_3_DENIALS });
}
