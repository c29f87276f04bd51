import { CelerityError } from '@celerity/core';

/** A schedule or entry that cannot be run: bad cron expression, unknown time zone, missing task… */
export class BeatScheduleError extends CelerityError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('BEAT_SCHEDULE_ERROR', message, options);
  }
}
