/**
 * The client: resolves options into messages, publishes them (declaring queues first, as Celery
 * does), and hands back result handles. Eager mode swaps publishing for in-process execution.
 */
import { SentEvents } from './sent-events.js';
import type {
  AppliedSignature,
  Broker,
  Hooks,
  CanvasSink,
  Envelope,
  Logger,
  PublishTarget,
  ResolvedSend,
  ResultBackend,
  SendOptions,
  Serializer,
  SignatureBuilder,
  SignatureData,
  TaskDefinition,
} from '@celerity/core';
import { ClosedError, ConfigurationError, applySignature, asLogger, collectTasks, createTaskRouter, emitPublishHooks, encodeTaskMessage, immutable, signature } from '@celerity/core';
import type { MessageTracing, PublishSpan, ResolveContext } from '@celerity/core/internal';
import { loadMessageTracing, resolveSend } from '@celerity/core/internal';
import { AsyncResult, resultsDisabled } from './async-result.js';
import { chainStepIds, chordHeader } from './chain-steps.js';
import { withConfig } from './config-options.js';
import type { EagerHost } from './eager.js';
import { eagerDefinition, runEagerMessage } from './eager.js';
import { GroupResult } from './group-result.js';
import type { Control, RevokeOptions } from './control.js';
import { createControl } from './control.js';
import type { Owned } from './resources.js';
import { lookupSerializer, resolveBackend, resolveBroker, resolveSerializers } from './resources.js';
import type { ApplyResult, Client, ClientOptions, SendManyItem, TaskRef } from './types.js';

/**
 * Creates a client that sends tasks to Celery (or Celerity) workers and reads their results.
 * @example
 * import { brokerAdapter } from '@celerity/broker-redis';
 * import { backendAdapter } from '@celerity/backend-redis';
 * import type { add } from './tasks.js';
 * await using client = createClient({ broker: 'redis://localhost', backend: 'redis://localhost', adapters: [brokerAdapter, backendAdapter] });
 * const result = await client.send<typeof add>('tasks.add', [4, 4]);
 * console.log(await result.get({ timeout: 10 })); // 8
 */
export function createClient(options: ClientOptions = {}): Client {
  return new CelerityClient(withConfig(options));
}

class CelerityClient implements Client {
  readonly appId: string;
  readonly #broker: Owned<Broker>;
  readonly #backend: Owned<ResultBackend> | null;
  readonly #logger: Logger;
  readonly #serializers: Map<string, Serializer>;
  readonly #serializer: Serializer;
  readonly #definitions: Map<string, TaskDefinition>;
  readonly #context: ResolveContext;
  readonly #eager: EagerHost | null;
  readonly #declareQueues: boolean;
  readonly #queueOptions: ClientOptions['queues'];
  readonly #hooks: Hooks | undefined;
  /** OpenTelemetry producer spans: loading (a promise), loaded (null when @opentelemetry/api is absent), or off (undefined). */
  #tracing: MessageTracing | null | Promise<MessageTracing | null> | undefined;
  /**
   * One declaration per queue: in flight, or `true` once done (a send then awaits nothing before its
   * publish); a failed one is forgotten so the next send tries again.
   */
  readonly #declared = new Map<string, Promise<void> | true>();
  #closing: Promise<void> | null = null;
  #control: Control | null = null;
  /** `task-sent` events, when `taskSendSentEvent` is on. */
  readonly #sentEvents: SentEvents | null;

  constructor(options: ClientOptions) {
    this.#logger = asLogger(options.logger);
    if (options.eager && !options.tasks) throw new ConfigurationError('Eager mode runs tasks in-process: pass their definitions in `tasks`');
    const serializers = resolveSerializers(options);
    this.#serializers = serializers.byName;
    this.#serializer = serializers.default;
    this.#definitions = options.tasks ? collectTasks(options.tasks) : new Map();
    this.appId = options.appId ?? crypto.randomUUID();
    this.#context = {
      defaultQueue: options.defaultQueue ?? 'celery',
      // Lean messages carry `origin` only when the user names one (Celery reads none as "unknown").
      ...(options.origin === undefined ? {} : { origin: options.origin }),
      now: options.now ?? (() => new Date()),
      generateId: options.generateId ?? (() => this.#backend?.value.newTaskId?.() ?? crypto.randomUUID()),
    };
    const route = createTaskRouter(options.taskRoutes);
    if (route !== undefined) this.#context.route = route;
    this.#hooks = options.hooks;
    if (options.tracing !== false) {
      this.#tracing = loadMessageTracing();
      void this.#tracing.then((tracing) => (this.#tracing = tracing));
    }
    this.#declareQueues = options.declareQueues ?? true;
    this.#queueOptions = options.queues;
    this.#broker = resolveBroker(options, this.#logger);
    try {
      this.#backend = resolveBackend(options, this.#logger, this.#broker.value);
    } catch (error) {
      if (this.#broker.owned) void this.#broker.value.close().catch(() => undefined);
      throw error;
    }
    this.#sentEvents = options.taskSendSentEvent === true ? new SentEvents(this.#broker.value, this.#logger) : null;
    const backend = this.#backend?.value;
    // Only a reply-queue backend (rpc://) reads `reply_to` (it routes results there); elsewhere it is dead weight in every message.
    if (backend?.capabilities.replyQueue) this.#context.replyTo = this.appId;
    this.#eager =
      options.eager && backend
        ? { backend, logger: this.#logger, definitions: this.#definitions, apply: async (sig) => void (await this.#apply(sig, true)) }
        : null;
  }

  get broker(): Broker {
    return this.#broker.value;
  }

  get backend(): ResultBackend | null {
    return this.#backend?.value ?? null;
  }

  get control(): Control {
    this.#control ??= createControl(this.#broker.value, this.#logger, this.appId);
    return this.#control;
  }

  revoke(ids: string | readonly string[], options?: RevokeOptions): Promise<void> {
    this.#assertOpen();
    return this.control.revoke(ids, options);
  }

  task<A extends unknown[], R>(nameOrDefinition: string | TaskDefinition): TaskRef<A, R> {
    const name = typeof nameOrDefinition === 'string' ? nameOrDefinition : nameOrDefinition.name;
    const definition = typeof nameOrDefinition === 'string' ? undefined : nameOrDefinition;
    return {
      name,
      delay: (...args: A) => this.#send<R>(name, definition, args, undefined),
      applyAsync: (args: A, options?: SendOptions) => this.#send<R>(name, definition, args, options),
      // The builder's type is computed from A; at run time it only records the arguments.
      s: ((...args: unknown[]) => signature(name, args)) as SignatureBuilder<A, R>,
      si: (...args: A) => immutable(signature<[], R>(name, args)),
    };
  }

  send<A extends unknown[], R>(task: string | TaskDefinition, args: A, options?: SendOptions): Promise<AsyncResult<R>> {
    return typeof task === 'string' ? this.#send<R>(task, undefined, args, options) : this.#send<R>(task.name, task, args, options);
  }

  async sendMany(items: readonly SendManyItem[]): Promise<AsyncResult[]> {
    this.#assertOpen();
    const resolved: ResolvedSend[] = new Array(items.length);
    for (let i = 0; i < items.length; i++) {
      const item = items[i]!;
      const name = typeof item.task === 'string' ? item.task : item.task.name;
      const definition = typeof item.task === 'string' ? this.#definitions.get(name) : item.task;
      resolved[i] = resolveSend(name, definition, item.args ?? [], item.kwargs, item.options, this.#context);
    }
    // A persistent backend (Redis) is read back by `get()` itself (subscribe, then GET), so bulk sends
    // skip the per-task subscription; a reply-queue backend (rpc://) must listen before publishing.
    const ids = await this.#dispatch(resolved, this.backend ? !this.backend.capabilities.persistent : false);
    this.#logger.debug(`Sent ${ids.length} tasks`, { count: ids.length });
    const backend = this.backend;
    return ids.map((id, i) => new AsyncResult(id, backend, this.control, { ignored: resolved[i]!.ignoreResult }));
  }

  async apply<S extends SignatureData>(sig: S): Promise<ApplyResult<S>> {
    return (await this.#apply(sig)) as ApplyResult<S>;
  }

  result<R = unknown>(id: string): AsyncResult<R> {
    return new AsyncResult<R>(id, this.backend, this.control);
  }

  async groupResult<R extends unknown[] = unknown[]>(id: string): Promise<GroupResult<R> | null> {
    const backend = this.backend;
    if (!backend) throw resultsDisabled(id);
    return GroupResult.restore<R>(id, backend, this.control);
  }

  async connect(): Promise<void> {
    this.#assertOpen();
    await Promise.all([this.#broker.value.connect(), this.#backend?.value.connect()]);
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      const owned = [this.#broker, this.#backend].filter((r): r is Owned<Broker> | Owned<ResultBackend> => r?.owned === true);
      const outcomes = await Promise.allSettled(owned.map((r) => r.value.close()));
      const failure = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
      if (failure) throw failure.reason;
    })();
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #assertOpen(): void {
    if (this.#closing) throw new ClosedError('Client');
  }

  async #send<R>(name: string, definition: TaskDefinition | undefined, args: readonly unknown[], options: SendOptions | undefined): Promise<AsyncResult<R>> {
    this.#assertOpen();
    const resolved = resolveSend(name, definition ?? this.#definitions.get(name), args, undefined, options, this.#context);
    const [id] = await this.#dispatch([resolved]);
    this.#logger.debug(`Sent task ${name}[${id!}]`, { task: name, id, queue: resolved.target.queue });
    return new AsyncResult<R>(id!, this.backend, this.control, { ignored: resolved.ignoreResult });
  }

  /** Applies a signature and returns the handle on its result. `followUp`: sent by an eager task, not the user. */
  async #apply(sig: SignatureData, followUp = false): Promise<AsyncResult | GroupResult> {
    this.#assertOpen();
    const backend = this.backend;
    let sent: readonly ResolvedSend[] = [];
    const sink: CanvasSink = {
      chordInit: (groupId, size) => {
        if (!backend) throw new ConfigurationError('A chord needs a result backend to count its header results (pass `backend` to createClient)');
        return backend.chordInit(groupId, size);
      },
      publish: async (messages, result) => {
        // A lone task sent with ignore_result has no result to watch for.
        const ignored = result.kind === 'task' && messages.length === 1 && messages[0]!.ignoreResult;
        if (!ignored) await this.#watch(result);
        sent = messages;
        await this.#dispatch(messages, false, followUp);
      },
    };
    if (backend) sink.saveGroup = (groupId, ids) => backend.saveGroup(groupId, ids);
    // Canvas freezes `reply_to` into every signature as Celery does, whatever the backend.
    const applied = await applySignature(sig, sink, { ...this.#context, replyTo: this.appId, definitions: this.#definitions });
    return this.#resultOf(applied, sent);
  }

  /**
   * Watches a workflow's result ids; their messages carry the `reply_to` canvas froze into them (our
   * app id). Not in eager mode: nothing is published, the results are stored in this process.
   */
  async #watch(ref: AppliedSignature): Promise<void> {
    const backend = this.backend;
    if (!backend?.watch || this.#eager) return;
    const request = { replyTo: this.appId };
    let pending: Array<Promise<void>> | undefined;
    for (const id of ref.memberIds) {
      const watching = backend.watch(id, request);
      if (watching) (pending ??= []).push(watching);
    }
    if (pending) await Promise.all(pending);
  }

  /** The handle on a workflow's result, linked to its chain's earlier steps (`parent`) as Celery's. */
  #resultOf(ref: AppliedSignature, messages: readonly ResolvedSend[]): AsyncResult | GroupResult {
    const backend = this.backend;
    const control = this.control;
    if (ref.kind === 'group') {
      // A member sent with ignore_result will never have a result: its handle says so.
      const ignoredIds = new Set(messages.filter((m) => m.ignoreResult).map((m) => m.init.id));
      return new GroupResult(ref.id, ref.memberIds.map((id) => new AsyncResult(id, backend, control, { ignored: ignoredIds.has(id) })), backend, control);
    }
    const lone = messages.length === 1 && messages[0]!.init.id === ref.id;
    const ignored = lone && messages[0]!.ignoreResult;
    const header = chordHeader(ref.id, messages);
    if (header) return new AsyncResult(ref.id, backend, control, { parent: new GroupResult(header.groupId, header.ids.map((id) => new AsyncResult(id, backend, control)), backend, control), ignored });
    const steps = chainStepIds(messages);
    const at = steps.lastIndexOf(ref.id);
    let parent: AsyncResult | null = null;
    for (let i = 0; i < at; i++) parent = new AsyncResult(steps[i]!, backend, control, { parent });
    return new AsyncResult(ref.id, backend, control, { parent, ignored });
  }

  /**
   * Publishes (or, in eager mode, runs) resolved messages in order; returns their ids. Watches each
   * result first unless told not to (canvas watches the workflow's result instead). In eager mode
   * an unknown task fails the send, except in follow-ups, where it is stored as NotRegistered.
   */
  async #dispatch(resolved: readonly ResolvedSend[], watch = true, followUp = false): Promise<string[]> {
    const ids = resolved.map((r) => r.init.id);
    if (this.#eager) {
      if (!followUp) for (const r of resolved) eagerDefinition(this.#eager, r.init.task);
      for (const r of resolved) await runEagerMessage(r.init, this.#eager);
      return ids;
    }
    const backend = watch ? this.backend : null;
    const tracing = this.#tracing instanceof Promise ? await this.#tracing : this.#tracing;
    let spans: PublishSpan[] | undefined;
    const items: Array<{ target: PublishTarget; envelope: Envelope }> = new Array(resolved.length);
    let lastQueue: string | undefined;
    const declarations: Promise<void>[] = [];
    for (let i = 0; i < resolved.length; i++) {
      const r = resolved[i]!;
      const serializer = r.serializer === undefined ? this.#serializer : typeof r.serializer === 'string' ? lookupSerializer(this.#serializers, r.serializer) : r.serializer;
      let init = r.init;
      if (tracing) {
        // The span's context goes into this message's headers, not into the caller's options.
        const headers: Record<string, unknown> = { ...init.headers };
        const span = tracing.publish(init.task, init.id, r.target.queue, headers);
        if (span !== undefined) {
          (spans ??= []).push(span);
          init = { ...init, headers };
        }
      }
      items[i] = { target: r.target, envelope: encodeTaskMessage(init, { serializer, lean: true }) };
      // Before the publish, told where the result will go: rpc:// consumes that reply queue first
      // (its promise holds the publish back until it does, as Celery's on_task_call).
      if (backend?.watch && !r.ignoreResult) {
        const replyTo = r.init.replyTo;
        const watching = replyTo === undefined ? backend.watch(r.init.id) : backend.watch(r.init.id, { replyTo });
        if (watching) declarations.push(watching);
      }
      if (r.target.queue !== lastQueue) {
        lastQueue = r.target.queue;
        const declared = this.#declare(r.target);
        if (declared) declarations.push(declared);
      }
    }
    if (declarations.length > 0) await Promise.all(declarations);
    const before = emitPublishHooks(this.#hooks, 'beforeTaskPublish', resolved, 'client', this.#logger);
    if (before) await before;
    try {
      if (items.length === 1) await this.#broker.value.publish(items[0]!.target, items[0]!.envelope);
      else if (items.length > 1) await this.#broker.value.publishMany(items);
    } catch (error) {
      if (spans) for (const span of spans) span.end(error);
      throw error;
    }
    if (spans) for (const span of spans) span.end();
    if (this.#sentEvents !== null) await this.#sentEvents.sent(resolved);
    const after = emitPublishHooks(this.#hooks, 'afterTaskPublish', resolved, 'client', this.#logger);
    if (after) await after;
    return ids;
  }

  /** Declares a queue once before its first publish (only for the default exchange, where the queue is the target). */
  #declare(target: PublishTarget): Promise<void> | undefined {
    if (!this.#declareQueues || (target.exchange !== undefined && target.exchange !== '')) return undefined;
    const queue = target.queue;
    const known = this.#declared.get(queue);
    if (known === true) return undefined;
    if (known !== undefined) return known;
    const declaration = this.#queueOptions?.[queue];
    const pending = (declaration ? this.#broker.value.declareQueue(queue, declaration) : this.#broker.value.declareQueue(queue)).then(
      () => {
        this.#declared.set(queue, true);
      },
      (error: unknown) => {
        this.#declared.delete(queue);
        throw error;
      },
    );
    this.#declared.set(queue, pending);
    return pending;
  }
}
