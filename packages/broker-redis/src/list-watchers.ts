/**
 * Wake-ups for an idle consumer from the lists its BLMOVE does not wait on: its other queues and
 * the priority lists (kombu's BRPOP waits on all of them at once). Each such list gets a connection
 * of its own blocked in `BLMOVE list list RIGHT RIGHT`, which takes the message at the tail and puts
 * it back at the tail in one atomic step: it moves and reorders nothing, it only returns when the
 * list has something. The consumer then interrupts its own BLMOVE, and the fetch queued behind that
 * reads every list in priority order.
 *
 * Why not one BLMPOP over every list: a pop holds the message only in this process until it is
 * recorded, and a crash in between loses it; BLMOVE can watch one list only, hence one connection
 * per list. Redis before 6.2 (whose BRPOPLPUSH would rotate the list) and clusters get no
 * watchers: there a message on another list reaches an idle consumer within a poll interval.
 */
import type { Logger } from '@celerity/core';
import type { RedisClient } from '@celerity/redis-common/internal';

/** What the watchers need from their broker. */
export interface ListWatchersHost {
  /** BLMOVE timeout, seconds. */
  readonly pollInterval: number;
  readonly logger: Logger;
  createBlockingClient(): RedisClient;
}

function isUnknownCommand(error: unknown): boolean {
  return error instanceof Error && /unknown command/i.test(error.message);
}

/** One watching connection per list, blocked only while the consumer waits (see module comment). */
export class ListWatchers {
  private readonly connections = new Map<string, RedisClient>();
  private readonly waiting = new Set<string>();
  private closed = false;
  private unsupported = false;

  constructor(
    private readonly host: ListWatchersHost,
    private readonly onMessage: () => void,
  ) {}

  /**
   * Starts a wait on each of `lists` that has none running. A wait ends when its list has a message
   * (then `onMessage` runs) or after the poll interval; the consumer arms again before its next wait.
   */
  arm(lists: Iterable<string>): void {
    if (this.closed || this.unsupported) return;
    for (const list of lists) {
      if (this.waiting.has(list)) continue;
      let connection = this.connections.get(list);
      if (connection === undefined) {
        connection = this.host.createBlockingClient();
        this.connections.set(list, connection);
      }
      this.waiting.add(list);
      connection.blmove(list, list, 'RIGHT', 'RIGHT', this.host.pollInterval).then(
        (moved) => {
          this.waiting.delete(list);
          if (moved !== null && !this.closed) this.onMessage();
        },
        (error: unknown) => {
          this.waiting.delete(list);
          if (this.closed) return;
          if (isUnknownCommand(error)) {
            this.unsupported = true;
            this.host.logger.debug('Redis has no BLMOVE (before 6.2): messages on other lists reach an idle consumer within a poll interval');
          }
        },
      );
    }
  }

  /** Closes every watching connection; a wait in progress is dropped (it holds nothing). */
  close(): void {
    this.closed = true;
    for (const connection of this.connections.values()) connection.disconnect();
    this.connections.clear();
    this.waiting.clear();
  }
}
