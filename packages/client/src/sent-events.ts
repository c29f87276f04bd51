/**
 * Celery's `task-sent` event (`task_send_sent_event`): after each task is published, one event on
 * `celeryev` under routing key `task.sent`, not batched, with the fields Celery's
 * `send_task_message` gives it. Best effort: a failed event publish is logged, never thrown.
 */
import { hostname as osHostname } from 'node:os';
import type { Broker, Logger, PublishTarget, TaskMessageInit } from '@celerity/core';
import { EVENT_EXCHANGE, encodeEvents, formatCeleryDate, pythonRepr, utcOffsetHours } from '@celerity/core/internal';
import type { CeleryEvent } from '@celerity/core/internal';

const dateOrNull = (date: Date | null | undefined): string | null => (date === undefined || date === null ? null : formatCeleryDate(date));

/** Sends `task-sent` events with the client's own Lamport clock. */
export class SentEvents {
  private lamport = 0;
  private warned = false;

  constructor(
    private readonly broker: Broker,
    private readonly logger: Logger,
    /** The sender's name in the event, as Celery's producer names itself. */
    private readonly hostname: string = `gen${process.pid}@${osHostname()}`,
    private readonly now: () => number = Date.now,
  ) {}

  /** The event of one published task. */
  event(init: TaskMessageInit, target: PublishTarget): CeleryEvent {
    return {
      hostname: this.hostname,
      utcoffset: utcOffsetHours(),
      pid: process.pid,
      clock: ++this.lamport,
      uuid: init.id,
      root_id: init.rootId ?? init.id,
      parent_id: init.parentId ?? null,
      name: init.task,
      args: init.argsrepr ?? pythonRepr(init.args ?? []),
      kwargs: init.kwargsrepr ?? pythonRepr(init.kwargs ?? {}),
      retries: init.retries ?? 0,
      eta: dateOrNull(init.eta),
      expires: dateOrNull(init.expires),
      queue: target.queue,
      exchange: target.exchange ?? '',
      routing_key: target.routingKey ?? target.queue,
      timestamp: this.now() / 1000,
      type: 'task-sent',
    };
  }

  /** Publishes the events of tasks just published, in order. */
  async sent(items: ReadonlyArray<{ init: TaskMessageInit; target: PublishTarget }>): Promise<void> {
    for (const { init, target } of items) {
      try {
        await this.broker.broadcast(EVENT_EXCHANGE, 'task.sent', encodeEvents(this.event(init, target), this.hostname));
      } catch (error) {
        if (!this.warned) this.logger.warn(`Could not send the task-sent event: ${(error as Error).message}`, { error });
        this.warned = true;
      }
    }
  }
}
