/** `date_done` of a result stored now, on the worker's clock. */
import type { Clock } from '@celerity/core';
import { systemClock } from '@celerity/core';

/**
 * The date to stamp a result with: none on the system clock, where core's formatter keeps one
 * string per millisecond for a busy worker; the injected clock's time otherwise, so a fake clock
 * makes `date_done` as predictable as everything else.
 */
export function resultDate(clock: Clock): Date | undefined {
  return clock === systemClock ? undefined : new Date(clock.now());
}
