/**
 * The "server" behind the example adapter (docs/adapters.md): named in-process stores standing in
 * for the system a real adapter reaches through its driver (Redis, PostgreSQL, SQS…). Like a
 * network it only carries strings, and it can be taken down, so the adapter has driver errors to
 * map. It knows nothing about Celery: queues, keys and pub/sub channels, nothing more. Its calls
 * are synchronous for brevity; a real driver's return promises.
 */

/** What this "driver" throws, shaped like Node's network errors (a string `code`). */
export class ExampleDriverError extends Error {
  override readonly name = 'ExampleDriverError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** One connection to a named server. Every call throws `ECONNREFUSED` while the server is down. */
export interface ExampleConnection {
  /** Appends a message to a queue (or, `front`, puts it back first in line); tells the queue's listeners. */
  push(queue: string, message: string, front?: boolean): void;
  /** Takes the first message of a queue, if any. */
  shift(queue: string): string | undefined;
  length(queue: string): number;
  /** Empties a queue; returns how many messages it held. */
  clear(queue: string): number;
  get(key: string): string | undefined;
  set(key: string, value: string): void;
  delete(key: string): void;
  /** Calls `listener` with every message published on `channel` until the returned function is called. */
  subscribe(channel: string, listener: (message: string) => void): () => void;
  publish(channel: string, message: string): void;
}

interface ServerState {
  down: boolean;
  readonly queues: Map<string, string[]>;
  readonly keys: Map<string, string>;
  readonly channels: Map<string, Set<(message: string) => void>>;
}

const servers = new Map<string, ServerState>();

function state(name: string): ServerState {
  let server = servers.get(name);
  if (server === undefined) servers.set(name, (server = { down: false, queues: new Map(), keys: new Map(), channels: new Map() }));
  return server;
}

/** Takes a server down (`true`) or brings it back, for error-mapping tests. */
export function setServerDown(name: string, down: boolean): void {
  state(name).down = down;
}

/**
 * Connects to the named server (created on first use).
 * @example
 * const connection = connectExampleServer('jobs');
 * connection.push('celery', message);
 */
export function connectExampleServer(name: string): ExampleConnection {
  const server = state(name);
  const up = (): ServerState => {
    if (server.down) throw new ExampleDriverError('ECONNREFUSED', `connect ECONNREFUSED example://${name}`);
    return server;
  };
  const queue = (queueName: string): string[] => {
    const queues = up().queues;
    let messages = queues.get(queueName);
    if (messages === undefined) queues.set(queueName, (messages = []));
    return messages;
  };
  const publish = (channel: string, message: string): void => {
    for (const listener of [...(up().channels.get(channel) ?? [])]) listener(message);
  };
  return {
    push(queueName, message, front = false) {
      if (front) queue(queueName).unshift(message);
      else queue(queueName).push(message);
      publish(`queue:${queueName}`, '');
    },
    shift: (queueName) => queue(queueName).shift(),
    length: (queueName) => queue(queueName).length,
    clear: (queueName) => queue(queueName).splice(0).length,
    get: (key) => up().keys.get(key),
    set: (key, value) => void up().keys.set(key, value),
    delete: (key) => void up().keys.delete(key),
    subscribe(channel, listener) {
      const channels = up().channels;
      let listeners = channels.get(channel);
      if (listeners === undefined) channels.set(channel, (listeners = new Set()));
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0 && channels.get(channel) === listeners) channels.delete(channel);
      };
    },
    publish,
  };
}
