/**
 * Where each task's results go on `rpc://`: Celery's worker publishes every state of a task to the
 * task message's `reply_to` (spec §4.5), but core's result records do not carry it. The broker
 * notes `task id → reply_to` for every task it delivers while an rpc:// backend is attached, and
 * the backend's `store` reads it. Bounded: the oldest entries go first.
 */
import type { Envelope } from '@celerity/core';

/** Task id → reply queue, filled from deliveries; see the module comment. */
export class ReplyRoutes {
  private readonly routes = new Map<string, string>();
  private users = 0;

  constructor(private readonly max: number) {}

  /** Starts noting deliveries (one call per attached backend); returns the matching stop. */
  enable(): () => void {
    this.users++;
    let active = true;
    return () => {
      if (!active) return;
      active = false;
      if (--this.users === 0) this.routes.clear();
    };
  }

  /** Notes the reply address of a delivered task message (protocol v2 `id` header, else `correlation_id`). */
  note(envelope: Envelope): void {
    if (this.users === 0) return;
    const replyTo = envelope.properties.replyTo;
    if (replyTo === undefined || replyTo === '') return;
    const id = envelope.headers['id'];
    const taskId = typeof id === 'string' ? id : envelope.properties.correlationId;
    if (taskId === undefined) return;
    this.set(taskId, replyTo);
  }

  /** Records a route explicitly. */
  set(taskId: string, replyTo: string): void {
    this.routes.delete(taskId);
    this.routes.set(taskId, replyTo);
    if (this.routes.size > this.max) {
      const oldest = this.routes.keys().next().value;
      if (oldest !== undefined) this.routes.delete(oldest);
    }
  }

  get(taskId: string): string | undefined {
    return this.routes.get(taskId);
  }

  delete(taskId: string): void {
    this.routes.delete(taskId);
  }

  get size(): number {
    return this.routes.size;
  }
}
