/**
 * `@celerity/testing/internal` — helpers the Celerity packages' own tests use and adapter authors
 * should not need: not covered by semver, may change in any release. No vitest here: the version
 * matrix runner (tests/matrix/run.ts) imports it as a plain script.
 */
export { sleep } from './helpers.js';
export { monitorRedis, parseMonitorLine } from './redis-monitor.js';
export type { MonitoredCommand, RedisMonitor } from './redis-monitor.js';
export { testAmqpUrl, testRedisAddress, testRedisUrl } from './test-servers.js';
export { CHROOT_BINARIES, RABBITMQ_4_3_DENIALS, chrootServersUnavailable, startChrootRabbit, startChrootRedis, trixieChroot } from './chroot-servers.js';
export type { ChrootServer } from './chroot-servers.js';
export type { RabbitServer } from './rabbitmq-server.js';
export type { RedisServer } from './redis-server.js';
