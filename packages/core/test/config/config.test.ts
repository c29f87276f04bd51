import { describe, expect, it } from 'vitest';
import { ConfigurationError, configEnvName, defineConfig, loadConfig } from '@celerity/core';

function thrown(fn: () => unknown): ConfigurationError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return error as ConfigurationError;
  }
  throw new Error('expected a ConfigurationError');
}

describe('defineConfig', () => {
  it('returns a valid configuration unchanged', () => {
    const config = { brokerUrl: 'redis://localhost', taskRoutes: { 'images.*': 'images' }, taskAcksLate: true, workerPrefetchMultiplier: 0, taskDefaultRateLimit: '10/s' };
    expect(defineConfig(config)).toBe(config);
  });

  it('names an unknown key, and the camelCase name of a Celery setting written in snake_case', () => {
    expect(thrown(() => defineConfig({ task_acks_late: true } as never)).message).toBe("Unknown setting 'task_acks_late' (did you mean taskAcksLate?)");
    expect(thrown(() => defineConfig({ brokerURL: 'x' } as never)).message).toContain('did you mean brokerUrl?');
    expect(thrown(() => defineConfig({ nonsense: 1 } as never)).message).toContain('known settings: brokerUrl');
  });

  it('names the key of a bad value', () => {
    expect(thrown(() => defineConfig({ workerConcurrency: 0 })).message).toBe('Invalid setting workerConcurrency: expected an integer ≥ 1, got 0');
    expect(thrown(() => defineConfig({ workerPrefetchMultiplier: 1.5 })).message).toContain('workerPrefetchMultiplier');
    expect(thrown(() => defineConfig({ taskAcksLate: 'yes' as never })).message).toContain('taskAcksLate: expected true or false');
    expect(thrown(() => defineConfig({ resultExpires: -1 })).message).toContain('resultExpires');
    expect(thrown(() => defineConfig({ taskDefaultRateLimit: '10/d' })).message).toContain('taskDefaultRateLimit');
    expect(thrown(() => defineConfig({ brokerUrl: '' })).message).toContain('brokerUrl');
    expect(thrown(() => defineConfig({ taskRoutes: { 'a.*': { queue: 'q', routing_key: 'x' } as never } })).message).toContain("taskRoutes[\"a.*\"]: unknown key 'routing_key'");
    expect(thrown(() => defineConfig({ hooks: { taskStarted: () => {} } as never })).message).toContain("unknown hook 'taskStarted'");
  });
});

describe('loadConfig', () => {
  it('reads CELERITY_<CELERY NAME> variables, parsed by kind', () => {
    const config = loadConfig({
      env: {
        CELERITY_BROKER_URL: 'redis://b',
        CELERITY_TASK_ACKS_LATE: 'true',
        CELERITY_TASK_TRACK_STARTED: '0',
        CELERITY_WORKER_CONCURRENCY: '8',
        CELERITY_WORKER_PREFETCH_MULTIPLIER: '0',
        CELERITY_RESULT_EXPIRES: '3600',
        CELERITY_ACCEPT_CONTENT: 'json, msgpack',
        CELERITY_TASK_ROUTES: '{"images.*":"images","tasks.add":{"queue":"math","priority":3}}',
        CELERITY_TASK_DEFAULT_RATE_LIMIT: '5',
        CELERITY_WORKER_SOFT_SHUTDOWN_TIMEOUT: '2.5',
        UNRELATED: 'x',
      },
    });
    expect(config).toEqual({
      brokerUrl: 'redis://b',
      taskAcksLate: true,
      taskTrackStarted: false,
      workerConcurrency: 8,
      workerPrefetchMultiplier: 0,
      resultExpires: 3600,
      acceptContent: ['json', 'msgpack'],
      taskRoutes: { 'images.*': 'images', 'tasks.add': { queue: 'math', priority: 3 } },
      taskDefaultRateLimit: 5,
      workerSoftShutdownTimeout: 2.5,
    });
  });

  it("reads Celery's CELERY_BROKER_URL and CELERY_RESULT_BACKEND, ours first, and ignores empty variables", () => {
    expect(loadConfig({ env: { CELERY_BROKER_URL: 'amqp://c', CELERY_RESULT_BACKEND: 'redis://r' } })).toEqual({ brokerUrl: 'amqp://c', resultBackend: 'redis://r' });
    expect(loadConfig({ env: { CELERY_BROKER_URL: 'amqp://c', CELERITY_BROKER_URL: 'redis://ours' } }).brokerUrl).toBe('redis://ours');
    expect(loadConfig({ env: { CELERITY_BROKER_URL: '', CELERY_BROKER_URL: 'amqp://c' } }).brokerUrl).toBe('amqp://c');
    // Celery reads no other setting from its own variables.
    expect(loadConfig({ env: { CELERY_TASK_ACKS_LATE: 'true' } })).toEqual({});
  });

  it('lets variables win over the base from code, and keeps the rest of it', () => {
    const base = defineConfig({ brokerUrl: 'memory://', taskDefaultQueue: 'jobs' });
    expect(loadConfig({ env: { CELERITY_BROKER_URL: 'redis://env' }, base })).toEqual({ brokerUrl: 'redis://env', taskDefaultQueue: 'jobs' });
  });

  it('names the variable and the setting of a bad value', () => {
    expect(thrown(() => loadConfig({ env: { CELERITY_TASK_ACKS_LATE: 'maybe' } })).message).toBe(
      'Invalid setting taskAcksLate (from CELERITY_TASK_ACKS_LATE): expected true or false (1/0, yes/no, on/off), got "maybe"',
    );
    expect(thrown(() => loadConfig({ env: { CELERITY_WORKER_CONCURRENCY: 'ten' } })).message).toContain('workerConcurrency (from CELERITY_WORKER_CONCURRENCY)');
    expect(thrown(() => loadConfig({ env: { CELERITY_TASK_ROUTES: '{oops' } })).message).toContain('taskRoutes (from CELERITY_TASK_ROUTES)');
    expect(thrown(() => loadConfig({ env: { CELERITY_TASK_ROUTES: '{"a":5}' } })).message).toContain('taskRoutes (from CELERITY_TASK_ROUTES)');
  });

  it('names each setting’s variable', () => {
    expect(configEnvName('workerPrefetchMultiplier')).toBe('CELERITY_WORKER_PREFETCH_MULTIPLIER');
    expect(configEnvName('resultBackend')).toBe('CELERITY_RESULT_BACKEND');
  });
});

describe('transport options', () => {
  it('reads broker_transport_options and result_backend_transport_options as objects, from code or JSON variables', () => {
    expect(defineConfig({ brokerTransportOptions: { master_name: 'm' } }).brokerTransportOptions).toEqual({ master_name: 'm' });
    const config = loadConfig({ env: { CELERITY_BROKER_TRANSPORT_OPTIONS: '{"master_name":"m","sentinel_kwargs":{"password":"p"}}', CELERITY_RESULT_BACKEND_TRANSPORT_OPTIONS: '{"master_name":"r"}' } });
    expect(config.brokerTransportOptions).toEqual({ master_name: 'm', sentinel_kwargs: { password: 'p' } });
    expect(config.resultBackendTransportOptions).toEqual({ master_name: 'r' });
    expect(thrown(() => loadConfig({ env: { CELERITY_BROKER_TRANSPORT_OPTIONS: '[1]' } })).message).toContain('brokerTransportOptions (from CELERITY_BROKER_TRANSPORT_OPTIONS)');
    expect(thrown(() => loadConfig({ env: { CELERITY_RESULT_BACKEND_TRANSPORT_OPTIONS: '{oops' } })).message).toContain('JSON of an object');
    expect(thrown(() => defineConfig({ brokerTransportOptions: 'master_name=m' as never })).message).toContain('an object of options');
  });
});
