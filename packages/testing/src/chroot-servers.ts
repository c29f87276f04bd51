/**
 * The servers of the version matrix, run from the Debian trixie chroot that scripts/python-celery.sh
 * builds (scripts/rabbitmq4.sh and scripts/redis-valkey.sh install them there): Redis 8.0, Valkey
 * 8.1 and RabbitMQ 4.0, each on free ports of its own. Running a chroot's binary needs root.
 * No vitest here: the matrix runner (tests/matrix/run.ts) imports them as a plain script.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { startRabbitServer } from './rabbitmq-server.js';
import type { RabbitServer, RabbitServerOptions } from './rabbitmq-server.js';
import { startRedisServer } from './redis-server.js';
import type { RedisServer, RedisServerOptions } from './redis-server.js';

/** A server of the matrix, by its binary inside the chroot. */
export const CHROOT_BINARIES = {
  redis: '/usr/bin/redis-server',
  valkey: '/usr/bin/valkey-server',
  rabbitmq: '/usr/lib/rabbitmq/bin/rabbitmq-server',
} as const;

/** A server of the matrix. */
export type ChrootServer = keyof typeof CHROOT_BINARIES;

/**
 * `rabbitmq.conf` lines denying what RabbitMQ 4.3 denies by default (transient non-exclusive
 * queues, global QoS) and what 4.x removed (classic queue mirroring, RAM nodes). On 4.0 a denied
 * `transient_nonexcl_queues` closes the connection (541); a denied `global_qos` is logged as an
 * error and the QoS is applied per consumer instead (4.3 closes the channel).
 */
export const RABBITMQ_4_3_DENIALS: readonly string[] = [
  'deprecated_features.permit.transient_nonexcl_queues = false',
  'deprecated_features.permit.global_qos = false',
  'deprecated_features.permit.classic_queue_mirroring = false',
  'deprecated_features.permit.ram_node_type = false',
];

/** The trixie chroot. @default '/var/cache/celerity/trixie' (env `CELERITY_CHROOT`) */
export function trixieChroot(): string {
  return process.env['CELERITY_CHROOT'] || '/var/cache/celerity/trixie';
}

/**
 * Why `servers` cannot be started from the chroot here (`CELERITY_SKIP_CHROOT=1`, no root, no
 * chroot, a binary missing), or undefined when they can.
 * @example
 * const why = chrootServersUnavailable(['redis', 'valkey']);
 */
export function chrootServersUnavailable(servers: readonly ChrootServer[]): string | undefined {
  const root = trixieChroot();
  if (process.env['CELERITY_SKIP_CHROOT'] === '1') return 'CELERITY_SKIP_CHROOT=1';
  if (process.getuid?.() !== 0) return `running servers from the chroot ${root} needs root`;
  if (!existsSync(join(root, 'usr/bin/apt-get'))) return `no chroot at ${root}; run scripts/bootstrap.sh --all (as root)`;
  const missing = servers.filter((server) => !existsSync(join(root, CHROOT_BINARIES[server])));
  if (missing.length > 0) return `${missing.map((server) => CHROOT_BINARIES[server]).join(', ')} missing in ${root}; run scripts/bootstrap.sh --all (as root)`;
  return undefined;
}

/**
 * Starts the chroot's Redis 8.0 (`redis`) or Valkey 8.1 (`valkey`) on a free port.
 * @example
 * await using valkey = await startChrootRedis('valkey');
 */
export function startChrootRedis(server: 'redis' | 'valkey', options: Omit<RedisServerOptions, 'root' | 'binary'> = {}): Promise<RedisServer> {
  return startRedisServer({ ...options, root: trixieChroot(), binary: CHROOT_BINARIES[server] });
}

/**
 * Starts the chroot's RabbitMQ 4.0 on free ports with {@link RABBITMQ_4_3_DENIALS} (5–20 s); its
 * log shows any deprecated feature a client used.
 * @example
 * await using rabbit = await startChrootRabbit();
 */
export function startChrootRabbit(options: Omit<RabbitServerOptions, 'root'> = {}): Promise<RabbitServer> {
  return startRabbitServer({ ...options, root: trixieChroot(), config: [...RABBITMQ_4_3_DENIALS, ...(options.config ?? [])] });
}
