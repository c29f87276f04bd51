// The worker command's signals as Celery 5.5's (cli/shutdown-signals.ts), driven by hand.
import { describe, expect, it } from 'vitest';
import type { Logger } from '@celerity/core';
import type { StopOptions } from '@celerity/worker';
import { installShutdownSignals } from '../src/cli/shutdown-signals.js';

function harness(softShutdownTimeout: number, remapSigterm = false) {
  const handlers = new Map<string, (signal: NodeJS.Signals) => void>();
  const stops: StopOptions[] = [];
  const exits: number[] = [];
  const lines: string[] = [];
  let finish!: () => void;
  const stopped = new Promise<void>((resolve) => (finish = resolve));
  const none = (): void => {};
  const logger: Logger = { debug: none, info: none, warn: (m: string) => void lines.push(m), error: (m: string) => void lines.push(m) };
  const done = installShutdownSignals({
    stop: (options) => {
      stops.push(options);
      return stopped;
    },
    logger,
    softShutdownTimeout,
    remapSigterm,
    on: (signal, handler) => void handlers.set(signal, handler),
    exit: (code) => void exits.push(code),
  });
  const send = (signal: NodeJS.Signals): void => handlers.get(signal)!(signal);
  return { send, stops, exits, lines, finish, done };
}

describe('worker command signals', () => {
  it('SIGTERM: warm, exit 0; again: ignored', async () => {
    const h = harness(10);
    h.send('SIGTERM');
    h.send('SIGTERM');
    expect(h.stops).toEqual([{ mode: 'warm' }]);
    h.finish();
    expect(await h.done).toBe(0);
    expect(h.lines[0]).toBe('worker: Warm shutdown (MainProcess)');
  });

  it('SIGQUIT: soft when a soft shutdown timeout is set, else cold; then cancel now; then exit at once', async () => {
    const soft = harness(10);
    soft.send('SIGQUIT');
    soft.send('SIGQUIT');
    soft.send('SIGQUIT');
    expect(soft.stops).toEqual([{ mode: 'soft' }, { mode: 'cold' }]);
    expect(soft.exits).toEqual([1]);
    soft.finish();
    expect(await soft.done).toBe(1);

    const cold = harness(0);
    cold.send('SIGQUIT');
    expect(cold.stops).toEqual([{ mode: 'cold' }]);
  });

  it('Ctrl+C: warm first, cold (soft first) the second time, during a warm shutdown too', () => {
    const h = harness(5);
    h.send('SIGINT');
    expect(h.stops).toEqual([{ mode: 'warm' }]);
    expect(h.lines).toContain('worker: Hitting Ctrl+C again will initiate cold shutdown, terminating all running tasks!');
    h.send('SIGINT');
    expect(h.stops).toEqual([{ mode: 'warm' }, { mode: 'soft' }]);
    h.send('SIGINT');
    expect(h.stops.at(-1)).toEqual({ mode: 'cold' });
  });

  it('REMAP_SIGTERM=SIGQUIT: SIGTERM is cold', () => {
    const h = harness(0, true);
    h.send('SIGTERM');
    expect(h.stops).toEqual([{ mode: 'cold' }]);
  });
});
