/**
 * Keeping acks from waiting on a task body that blocks the event loop. Acks are batched until the
 * end of the event loop's turn, and a late ack also waits for its task's result to be stored; both
 * need the event loop. A synchronous, CPU-bound body holds it, so a crash during that body
 * redelivers messages whose tasks were already done (and an early ack asked for just before the
 * body is not written before it runs). So a body known to block starts only after: one turn
 * (continuations queued behind it run, e.g. a task that just ended), the acks-late tasks finishing
 * at that moment (their result stored and acked), and a flush of the acks still batched.
 *
 * Which bodies block is learned, per task, from how long the synchronous part of its last call held
 * the event loop (`BLOCKING_MS` or more). A task's first run is not protected; short synchronous
 * tasks never pay the wait, so ack batching keeps its throughput.
 */
import type { Broker, TaskDefinition } from '@celerity/core';

/** A call whose synchronous part took this many milliseconds or more blocks the event loop. */
export const BLOCKING_MS = 10;

/** Rounds of "yield a turn, wait for the runs ending" before a blocking body. */
const MAX_ROUNDS = 3;

/** What a worker knows about blocking task bodies and the runs finishing around them. */
export class BlockingBodies {
  private readonly blocking = new WeakSet<TaskDefinition>();
  private readonly ending = new Set<Promise<unknown>>();

  /** Whether the last call of this task held the event loop for `BLOCKING_MS` or more. */
  blocks(definition: TaskDefinition): boolean {
    return this.blocking.has(definition);
  }

  /** Records how long the synchronous part of a call of this task took (milliseconds, by the worker's clock). */
  record(definition: TaskDefinition, ms: number): void {
    if (ms >= BLOCKING_MS) this.blocking.add(definition);
    else this.blocking.delete(definition);
  }

  /** Counts the end of an acks-late run (its result store and ack) until it settles; returns it. */
  trackEnding<T>(run: Promise<T>): Promise<T> {
    this.ending.add(run);
    const done = (): void => void this.ending.delete(run);
    run.then(done, done);
    return run;
  }

  /** Resolves when a blocking body may start: see the module comment. */
  async beforeBlocking(broker: Broker): Promise<void> {
    // Again after a wait: another blocking body may have run meanwhile, and tasks may have ended
    // behind it. A few rounds at most, so a steady stream of short tasks cannot hold this one back.
    for (let round = 0; round < MAX_ROUNDS; round++) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (this.ending.size === 0) break;
      await Promise.allSettled([...this.ending]);
    }
    broker.flushAcks?.();
  }
}
