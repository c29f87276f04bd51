/**
 * The entry point of a pool child, thread or process alike: loads the tasks module, then runs the
 * tasks the worker sends through the core tracer (the same outcomes as in the worker itself), one at
 * a time. Time limits are the worker's job: it sends `soft` when the soft limit passes and kills
 * this child at the hard one, so the tracer here runs without timers.
 */
import { resolve } from 'node:path';
import { getHeapStatistics } from 'node:v8';
import { parentPort, workerData } from 'node:worker_threads';
import type { Logger, SerializerRegistry, TaskDefinition, TaskStateName } from '@celerity/core';
import { SoftTimeLimitExceeded, createJsonSerializer, createSerializerRegistry } from '@celerity/core';
import { traceTask, withBuiltinTasks } from '@celerity/core/internal';
import type { TraceEnvironment, TraceRequest } from '@celerity/core/internal';
import { loadOptionalSerializers, loadTaskModule, noteTypeScriptLoaderRegistered } from '../cli/environment.js';
import type { FromChild, RunMessage, ToChild, WireOutcome } from './protocol.js';
import { toWire } from './wire-outcome.js';

const send: (message: FromChild) => void = parentPort ? (m) => parentPort!.postMessage(m) : (m) => void process.send?.(m);
const NO_LIMITS: readonly [number, number] = [0, 0];

function memoryKiB(): number {
  // A thread shares the process's resident set: its own V8 heap is what it can be recycled for.
  return Math.round((parentPort ? getHeapStatistics().used_heap_size : process.memoryUsage().rss) / 1024);
}

function childLogger(): Logger {
  const line = (level: 'debug' | 'info' | 'warn' | 'error') => (message: string) => send({ t: 'log', level, message });
  return { debug: line('debug'), info: line('info'), warn: line('warn'), error: line('error') };
}

/** Pending `updateState` calls, by request number. */
const stateRequests = new Map<number, { resolve: () => void; reject: (error: Error) => void }>();
let nextStateRequest = 0;

/** The current run's abort side (one run at a time per child). */
const running = new Map<number, AbortController>();

async function run(message: RunMessage, tasks: Map<string, TaskDefinition>, serializers: SerializerRegistry, logger: Logger): Promise<void> {
  const serializer = serializers.get(message.contentType);
  const definition = tasks.get(message.name);
  const controller = new AbortController();
  running.set(message.seq, controller);
  let outcome: WireOutcome;
  if (!definition) {
    const text = `Task of kind '${message.name}' is not registered in the pool's tasks module`;
    outcome = { kind: 'failure', exception: { exc_type: 'NotRegistered', exc_message: [message.name], exc_module: 'celery.exceptions' }, traceback: null, message: text, runtime: 0 };
  } else {
    const [args, kwargs] = serializer.decode(message.body) as [unknown[], Record<string, unknown>];
    const request: TraceRequest = {
      id: message.id,
      name: message.name,
      args,
      kwargs,
      retries: message.retries,
      rootId: message.rootId,
      parentId: message.parentId,
      groupId: message.groupId,
      hostname: message.hostname,
      queue: message.queue,
      timeLimit: NO_LIMITS,
    };
    const env: TraceEnvironment = {
      logger,
      signal: controller.signal,
      updateState: (state: TaskStateName, meta: unknown) =>
        new Promise<void>((resolve, reject) => {
          const req = nextStateRequest++;
          stateRequests.set(req, { resolve, reject });
          send({ t: 'state', seq: message.seq, req, state, meta: serializer.encode(meta) });
        }),
    };
    outcome = toWire(await traceTask(definition, request, env), (value) => serializer.encode(value));
  }
  running.delete(message.seq);
  send({ t: 'done', seq: message.seq, outcome, memory: memoryKiB() });
}

async function main(): Promise<void> {
  const data = parentPort ? (workerData as { tasksModule: string; tsxRegistered: boolean }) : undefined;
  const tasksModule = data ? data.tasksModule : process.argv[2];
  // A thread started from sources registered tsx before importing this file.
  if (data?.tsxRegistered) noteTypeScriptLoaderRegistered();
  let tasks: Map<string, TaskDefinition>;
  let serializers: SerializerRegistry;
  try {
    if (!tasksModule) throw new Error('no tasks module given');
    const loaded = await loadTaskModule(tasksModule);
    tasks = withBuiltinTasks(new Map(loaded.tasks.map((t) => [t.name, t])));
    serializers = createSerializerRegistry([createJsonSerializer(), ...(await loadOptionalSerializers(resolve(tasksModule)))]);
  } catch (error) {
    send({ t: 'load-failed', message: (error as Error).message });
    // Let the message leave before the child ends.
    setTimeout(() => process.exit(1), 50);
    return;
  }
  const logger = childLogger();
  const onMessage = (message: ToChild): void => {
    if (message.t === 'run') void run(message, tasks, serializers, logger);
    else if (message.t === 'soft') running.get(message.seq)?.abort(new SoftTimeLimitExceeded());
    else {
      const pending = stateRequests.get(message.req);
      stateRequests.delete(message.req);
      if (message.error === null) pending?.resolve();
      else pending?.reject(new Error(message.error));
    }
  };
  if (parentPort) parentPort.on('message', onMessage);
  else {
    process.on('message', (m) => onMessage(m as ToChild));
    // The worker is gone (even killed): a process child must not outlive it.
    process.on('disconnect', () => process.exit(0));
  }
  send({ t: 'ready', contentTypes: serializers.serializers.map((s) => s.contentType) });
}

void main();
