/** Describes the machine a run happened on, for the report. */
import { cpus, loadavg, release, totalmem, type } from 'node:os';
import type { MachineInfo } from './results.js';

/**
 * @example
 * const machine = machineInfo(redis.version);
 */
export function machineInfo(redisVersion: string): MachineInfo {
  const list = cpus();
  return {
    cpu: list[0]?.model.trim() ?? 'unknown',
    cores: list.length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    os: `${type()} ${release()}`,
    node: process.version,
    redis: redisVersion,
    loadAverage: Math.round((loadavg()[0] ?? 0) * 100) / 100,
  };
}
