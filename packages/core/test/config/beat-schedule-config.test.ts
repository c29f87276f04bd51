import { describe, expect, it } from 'vitest';
import { ConfigurationError, configEnvName, defineConfig, loadConfig } from '@celerity/core';

describe('beatSchedule setting (Celery beat_schedule)', () => {
  it("accepts Celery's beat_schedule shape in code; points beat_schedule at beatSchedule", () => {
    const config = {
      beatSchedule: {
        'add-every-30s': { task: 'tasks.add', schedule: 30, args: [2, 3], options: { queue: 'periodic' } },
        nightly: { task: 'tasks.report', schedule: { cron: '30 2 * * *', timezone: 'Europe/Berlin' }, kwargs: { full: true }, missed: 'skip' as const },
      },
    };
    expect(defineConfig(config)).toBe(config);
    expect(() => defineConfig({ beat_schedule: {} } as never)).toThrow(/Unknown setting 'beat_schedule' \(did you mean beatSchedule\?\)/);
  });

  it('names the entry that has no task or no schedule', () => {
    expect(() => defineConfig({ beatSchedule: { ping: { schedule: 5 } } as never })).toThrow(ConfigurationError);
    expect(() => defineConfig({ beatSchedule: { ping: { schedule: 5 } } as never })).toThrow(/Invalid setting beatSchedule\.ping: expected an entry/);
    expect(() => defineConfig({ beatSchedule: { ping: { task: 'tasks.ping' } } as never })).toThrow(/beatSchedule\.ping/);
    expect(() => defineConfig({ beatSchedule: [] as never })).toThrow(/Invalid setting beatSchedule: expected an object of beat entries by name/);
  });

  it('reads CELERITY_BEAT_SCHEDULE as JSON, and names the variable of bad JSON', () => {
    expect(configEnvName('beatSchedule')).toBe('CELERITY_BEAT_SCHEDULE');
    const env = { CELERITY_BEAT_SCHEDULE: '{"ping":{"task":"tasks.ping","schedule":10}}' };
    expect(loadConfig({ env }).beatSchedule).toEqual({ ping: { task: 'tasks.ping', schedule: 10 } });
    expect(() => loadConfig({ env: { CELERITY_BEAT_SCHEDULE: '{nope' } })).toThrow(/beatSchedule \(from CELERITY_BEAT_SCHEDULE\): expected JSON of an object of beat entries by name/);
  });
});
