/**
 * Celery's `rpc://` result backend (spec §4.5): no store at all — the worker sends every state of a
 * task as a message to the task's `reply_to` queue, and the client that sent the task consumes its
 * own reply queue. Results are therefore only visible to that client, and not persistent.
 *
 * Where results go (`store`): the `replyTo` of the request the state is stored with (the worker
 * passes the reply_to of the message it holds, as Celery passes `request`), with the request's
 * correlation id, else the task id, as `correlation_id`. Without a `replyTo`: this backend's own
 * reply queue when it runs standalone or was given `replyTo` (a client storing its own results,
 * e.g. eager mode); else, as in Celery, nobody is waiting and the state is dropped (debug log).
 * Nothing is remembered per task, so nothing can overflow.
 * Which queues are read (`wait` / `get`): the reply queue named in each `watch` request (the client
 * passes the `reply_to` it puts in the message), queues adopted with `adoptReplyQueue`, or else its
 * own `replyTo` queue — declared auto-delete with `x-expires` = `expires` as Celery does, but durable
 * (RabbitMQ 4.3 refuses transient non-exclusive queues; see rpc-reply-queues.ts).
 */
import { randomUUID } from 'node:crypto';
import type { ConsumeMessage } from 'amqplib';
import { ClosedError, ConfigurationError, createJsonSerializer, silentLogger } from '@celerity/core';
import type { ChordPart, ChordProgress, Logger, ResultBackend, ResultBackendCapabilities, ResultMeta, ResultRequest, Serializer, WaitOptions } from '@celerity/core';
import { AmqpConnection } from './connection.js';
import { bodyBuffer } from './envelope.js';
import { brokerInternals } from './internals.js';
import { DEFAULT_AMQP_URL } from './options.js';
import { Publisher, type OutgoingMessage } from './publisher.js';
import { ReplyQueues } from './rpc-reply-queues.js';
import { decodeResultMessage, encodeResultBody, resultPublishOptions } from './rpc-codec.js';
import { ResultStates } from './rpc-states.js';
import type { RpcBackendOptions } from './rpc-options.js';
import { amqpTlsOptions } from './ssl.js';
import { amqpEndpoints } from './url.js';

export type { RpcBackendOptions } from './rpc-options.js';

/** The `rpc://` backend: the core `ResultBackend` plus control over reply queues. */
export interface RpcBackend extends ResultBackend {
  /** This backend's own reply queue (Celery's app `oid`). */
  readonly replyTo: string;
  /**
   * Consumes the reply queue a task's results will be sent to (`request.replyTo`, else our own):
   * await the promise before publishing the task; undefined when the queue is consumed already.
   */
  watch(taskId: string, request?: ResultRequest): Promise<void> | undefined;
  /** Starts consuming results sent to another reply queue (e.g. a client's `appId`); declares it Celery's way. */
  adoptReplyQueue(queue: string): Promise<void>;
}

const E_NO_CHORDS =
  'The rpc:// result backend does not support chords (as in Celery): a chord needs a result store every worker can reach. Use the Redis result backend for chords.';

class RpcBackendImpl implements RpcBackend {
  readonly name = 'rpc';
  readonly capabilities: ResultBackendCapabilities = { persistent: false, replyQueue: true, chords: false };
  readonly replyTo: string;
  private readonly logger: Logger;
  private readonly connection: AmqpConnection;
  private readonly publisher: Publisher;
  private readonly owned: boolean;
  private readonly fallbackToOwn: boolean;
  private readonly serializer: Serializer;
  private readonly decoders = new Map<string, Serializer>();
  private readonly persistent: boolean;
  private readonly expiresMs: number;
  private readonly publishTimeout: number;
  private readonly states: ResultStates;
  private readonly groups = new Map<string, string[]>();
  private readonly replies: ReplyQueues;
  private readonly cleanups: Array<() => void> = [];
  private closing: Promise<void> | undefined;

  constructor(options: RpcBackendOptions) {
    this.logger = options.logger ?? silentLogger;
    this.replyTo = options.replyTo ?? randomUUID();
    this.serializer = options.serializer ?? createJsonSerializer();
    for (const s of [createJsonSerializer(), ...(options.serializers ?? []), this.serializer]) this.decoders.set(s.contentType, s);
    this.persistent = options.persistent ?? false;
    const expires = options.expires ?? 86_400;
    if (typeof expires !== 'number' || !(expires > 0)) throw new ConfigurationError(`rpc:// option expires must be a positive number of seconds, got ${String(expires)}`);
    this.expiresMs = Math.round(expires * 1000);
    this.states = new ResultStates(options.maxStates ?? 10_000);
    const internals = options.broker === undefined ? undefined : brokerInternals(options.broker);
    if (options.broker !== undefined && internals === undefined) {
      throw new ConfigurationError(`The rpc:// result backend needs an AMQP broker from @celerity/broker-amqp (got a ${options.broker.transport} broker)`);
    }
    if (internals !== undefined) {
      this.connection = internals.connection;
      this.publisher = internals.publisher;
      this.publishTimeout = options.publishTimeout ?? internals.publishTimeout;
      this.owned = false;
      // Attached to a broker without an explicit queue: a worker's backend, like Celery's, where a
      // task without reply_to has nobody waiting. Given one, the caller reads it: send there.
      this.fallbackToOwn = options.replyTo !== undefined;
    } else {
      const text = options.url ?? DEFAULT_AMQP_URL;
      const tls = amqpTlsOptions(options.ssl, options.tls);
      this.connection = new AmqpConnection({
        endpoints: amqpEndpoints(text, options.ssl !== undefined && options.ssl !== false),
        displayUrl: text,
        heartbeat: options.heartbeat ?? 60,
        ...(options.connectionName !== undefined ? { connectionName: options.connectionName } : {}),
        ...(tls !== undefined ? { tls } : {}),
        reconnectDelay: 100,
        maxReconnectDelay: 5_000,
        logger: this.logger,
      });
      this.publisher = new Publisher(this.connection, this.logger);
      this.publishTimeout = options.publishTimeout ?? 10_000;
      this.owned = true;
      this.fallbackToOwn = true;
    }
    this.replies = new ReplyQueues({
      connection: this.connection,
      logger: this.logger,
      expiresMs: this.expiresMs,
      deadline: () => this.deadline(),
      take: (message) => this.take(message),
    });
    this.cleanups.push(this.connection.onOpen(() => this.replies.resume()));
  }

  private deadline(): number {
    return Date.now() + this.publishTimeout;
  }

  private assertOpen(): void {
    if (this.closing !== undefined) throw new ClosedError('rpc:// result backend');
  }

  async connect(): Promise<void> {
    this.assertOpen();
    await this.connection.acquire(this.deadline());
  }

  // ---- the worker side -------------------------------------------------------------------

  store(meta: ResultMeta, request?: ResultRequest): Promise<void> {
    return this.storeMany([meta], request === undefined ? undefined : [request]);
  }

  async storeMany(metas: readonly ResultMeta[], requests?: readonly (ResultRequest | undefined)[]): Promise<void> {
    this.assertOpen();
    const messages: OutgoingMessage[] = [];
    let toOwn = false;
    for (let i = 0; i < metas.length; i++) {
      const meta = metas[i] as ResultMeta;
      const request = requests?.[i];
      // Celery's destination_for: (request.reply_to, request.correlation_id or task_id); an empty reply_to is none.
      const route = request?.replyTo || (this.fallbackToOwn ? this.replyTo : undefined);
      if (route === undefined) {
        // Celery's rpc backend does the same: no reply_to, nobody to tell.
        this.logger.debug(`rpc:// result of task ${meta.task_id} (${meta.status}) dropped: the task has no reply_to`);
        continue;
      }
      if (route === this.replyTo) toOwn = true;
      messages.push({
        exchange: '',
        routingKey: route,
        content: bodyBuffer(this.serializer.encode(encodeResultBody(meta))),
        options: resultPublishOptions(meta, this.serializer, this.persistent, request?.correlationId),
      });
    }
    if (messages.length === 0) return;
    // Publishing to a queue that does not exist drops the message: make sure our own one does.
    // (A caller's queue is the caller's to declare, as in Celery: its watch did.)
    if (toOwn) await this.replies.declare(this.replyTo);
    await this.publisher.publishAll(messages, this.deadline());
  }

  // ---- the client side -------------------------------------------------------------------

  /**
   * Celery's `on_task_call`: the reply queue named in the request (else our own) must exist and be
   * consumed before the task is published, or an early result has nowhere to go. Returns the
   * promise to wait for, or undefined once the queue is consumed (the usual case: no await per send).
   */
  watch(_taskId: string, request?: ResultRequest): Promise<void> | undefined {
    if (this.closing !== undefined) return undefined;
    const queue = request?.replyTo || this.replyTo;
    return this.replies.consuming(queue) ? undefined : this.replies.adopt(queue);
  }

  adoptReplyQueue(queue: string): Promise<void> {
    return this.replies.adopt(queue);
  }

  private take(message: Pick<ConsumeMessage, 'content' | 'properties'>): void {
    let meta: ResultMeta;
    try {
      meta = decodeResultMessage(message, (contentType) => this.decoders.get(contentType));
    } catch (error) {
      this.logger.warn(`Dropping an undecodable rpc:// result message: ${error instanceof Error ? error.message : String(error)}`, { error });
      return;
    }
    this.states.receive(meta);
  }

  private async ensureConsuming(): Promise<void> {
    if (this.replies.size === 0) return this.replies.adopt(this.replyTo);
    await this.replies.ready();
  }

  async get(taskId: string): Promise<ResultMeta | null> {
    this.assertOpen();
    await this.ensureConsuming();
    await this.replies.drain();
    return this.states.get(taskId);
  }

  wait(taskId: string, options: WaitOptions = {}): Promise<ResultMeta> {
    if (this.closing !== undefined) return Promise.reject(new ClosedError('rpc:// result backend'));
    const waiting = this.states.wait(taskId, options);
    this.ensureConsuming().catch((error: unknown) => this.states.fail(taskId, error));
    return waiting;
  }

  async forget(taskId: string): Promise<void> {
    this.assertOpen();
    // A state still in the queue would reappear after forgetting: read the queue first.
    if (this.replies.size > 0 || this.replies.known(this.replyTo)) {
      await this.ensureConsuming();
      await this.replies.drain();
    }
    this.states.delete(taskId);
  }

  // ---- groups and chords -----------------------------------------------------------------

  /** Group membership is kept in this process only: on rpc:// only the sending client sees results anyway. */
  async saveGroup(groupId: string, taskIds: readonly string[]): Promise<void> {
    this.assertOpen();
    this.groups.set(groupId, [...taskIds]);
  }

  async getGroup(groupId: string): Promise<string[] | null> {
    this.assertOpen();
    const ids = this.groups.get(groupId);
    return ids === undefined ? null : [...ids];
  }

  async forgetGroup(groupId: string): Promise<void> {
    this.assertOpen();
    this.groups.delete(groupId);
  }

  chordInit(_groupId: string, _size: number): Promise<void> {
    return Promise.reject(new ConfigurationError(E_NO_CHORDS));
  }

  chordPartReturn(_groupId: string, _part: ChordPart): Promise<ChordProgress> {
    return Promise.reject(new ConfigurationError(E_NO_CHORDS));
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    this.states.failAll(new ClosedError('rpc:// result backend'));
    for (const cleanup of this.cleanups.splice(0)) cleanup();
    await this.replies.close();
    if (this.owned) {
      await this.publisher.close(Date.now() + 2_000);
      await this.connection.close();
    }
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/**
 * Creates Celery's `rpc://` result backend. Give it the AMQP broker to share its connection, or a
 * `url` to run on its own connection. Results go where each `store`'s request says (`replyTo`).
 * @example
 * const broker = createAmqpBroker({ url: 'amqp://guest:guest@localhost:5672//' });
 * await using backend = createRpcBackend({ broker });
 * await backend.watch(taskId, { replyTo: appId }); // before publishing the task, as the client does
 * const meta = await backend.wait(taskId, { timeout: 30 });
 */
export function createRpcBackend(options: RpcBackendOptions = {}): RpcBackend {
  return new RpcBackendImpl(options);
}
