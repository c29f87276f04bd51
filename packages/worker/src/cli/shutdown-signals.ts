/**
 * The worker command's signals, as Celery 5.5's worker handles them (celery/apps/worker.py):
 * - SIGTERM: warm shutdown (finish running tasks); again: ignored. With `REMAP_SIGTERM=SIGQUIT`
 *   in the environment it is handled as SIGQUIT.
 * - SIGINT (Ctrl+C): warm shutdown the first time; the second is SIGQUIT.
 * - SIGQUIT: cold shutdown — a soft one first when `--soft-shutdown-timeout` is set (running tasks
 *   get that many seconds, then are cancelled and their messages requeued), else running tasks are
 *   cancelled and requeued at once.
 * - SIGINT or SIGQUIT during that: cancel what still runs now; once more: exit at once (code 1).
 */
import type { Logger } from '@celerity/core';
import type { StopOptions } from '../worker-options.js';

/** What the handlers need. */
export interface ShutdownSignalsOptions {
  stop(options: StopOptions): Promise<void>;
  logger: Logger;
  /** `softShutdownTimeout` in seconds: > 0 turns the cold shutdown into soft-then-cold. */
  softShutdownTimeout: number;
  /** Celery's `REMAP_SIGTERM=SIGQUIT`: SIGTERM does what SIGQUIT does. */
  remapSigterm: boolean;
  /** Registers a handler (`process.on`). */
  on(signal: NodeJS.Signals, handler: (signal: NodeJS.Signals) => void): void;
  /** Leaves at once (`process.exit`). */
  exit(code: number): void;
}

/**
 * Installs the handlers; the promise resolves with the exit code once a shutdown completed (0 after
 * a warm one, 1 after a cold or soft one or a failed stop, as Celery's EX_FAILURE).
 * @example const exitCode = await installShutdownSignals({ stop: (o) => worker.stop(o), logger, softShutdownTimeout: 10, remapSigterm: false, on: (s, h) => process.on(s, h), exit: process.exit });
 */
export function installShutdownSignals(options: ShutdownSignalsOptions): Promise<number> {
  const { logger } = options;
  let phase: 'running' | 'warm' | 'cold' | 'cancelling' = 'running';
  let interrupts = 0;
  return new Promise<number>((resolve) => {
    let exitCode = 0;
    const stop = (stopOptions: StopOptions): void => {
      options.stop(stopOptions).then(
        () => resolve(exitCode),
        (error: unknown) => {
          logger.error(`shutdown failed: ${(error as Error).message}`);
          resolve(1);
        },
      );
    };
    const warm = (): void => {
      logger.warn('worker: Warm shutdown (MainProcess)');
      if (phase !== 'running') return;
      phase = 'warm';
      stop({ mode: 'warm' });
    };
    const cold = (): void => {
      if (phase === 'running' || phase === 'warm') {
        phase = 'cold';
        exitCode = 1;
        logger.warn('worker: Cold shutdown (MainProcess)');
        stop({ mode: options.softShutdownTimeout > 0 ? 'soft' : 'cold' });
      } else if (phase === 'cold') {
        phase = 'cancelling';
        logger.warn('worker: Cancelling the running tasks; waiting gracefully for cold shutdown to complete...');
        stop({ mode: 'cold' });
      } else {
        logger.warn('worker: Hard shutdown (MainProcess)');
        options.exit(1);
      }
    };
    options.on('SIGTERM', () => (options.remapSigterm ? cold() : warm()));
    options.on('SIGQUIT', cold);
    options.on('SIGINT', () => {
      interrupts++;
      if (interrupts === 1) {
        logger.warn('worker: Hitting Ctrl+C again will initiate cold shutdown, terminating all running tasks!');
        warm();
      } else {
        cold();
      }
    });
  });
}
