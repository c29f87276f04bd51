/**
 * One AMQP connection that comes back by itself: connects on first use, and when RabbitMQ goes
 * away (restart, `connection.close` from the server, missed heartbeats, a dead socket) reconnects
 * with exponential backoff, runs the owner's setup (redeclarations) and then tells every listener
 * (consumers, subscriptions, the rpc backend) to resume. Callers wait for it with a deadline.
 * Given several endpoints (a kombu failover list, the nodes of a cluster), it goes round them as
 * kombu's `round-robin` failover strategy does: a lost connection or a failed attempt moves on to
 * the next endpoint at once, and the backoff delay is only waited once every endpoint has failed.
 */
import { connect as amqpConnect } from 'amqplib';
import type { ChannelModel, Options } from 'amqplib';
import type { ConnectionOptions as TlsOptions } from 'node:tls';
import { CelerityError, ClosedError, ConfigurationError, ConnectionError } from '@celerity/core';
import type { Logger } from '@celerity/core';
import { deprecatedFeatureRefused, mapAmqpError } from './errors.js';
import { redactUrl } from '@celerity/core/internal';
import type { AmqpUrlOptions } from './url.js';

/** One server to connect to. */
export interface AmqpEndpoint {
  url: AmqpUrlOptions;
  /** The URL as given, for messages (password redacted). */
  displayUrl: string;
}

/** Settings of {@link AmqpConnection}. */
export interface AmqpConnectionSettings {
  /** Where to connect, tried in turn (at least one). */
  endpoints: readonly AmqpEndpoint[];
  /** The URL (or failover list) as given, for messages (password redacted). */
  displayUrl: string;
  /** Seconds; 0 disables heartbeats. */
  heartbeat: number;
  /** `connection_name` client property, shown in the RabbitMQ management UI. */
  connectionName?: string;
  tls?: TlsOptions;
  /** First reconnect delay, ms. */
  reconnectDelay: number;
  /** Longest reconnect delay, ms. */
  maxReconnectDelay: number;
  logger: Logger;
  /** Runs on every new connection before it is handed out (redeclare what was declared). */
  setup?: (model: ChannelModel) => Promise<void>;
}

/** How long one TCP + TLS connect attempt may take. */
const CONNECT_TIMEOUT_MS = 10_000;

type Listener = (model: ChannelModel, generation: number) => void;

interface Waiter {
  resolve: (model: ChannelModel) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout | undefined;
  /** Rejected by the first failed connection attempt instead of waiting for a later one. */
  failFast: boolean;
}

function sleep(ms: number, signal: { cancelled: boolean; wake?: () => void }): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.wake = () => {
      clearTimeout(timer);
      resolve();
    };
  });
}

/** The broker's connection: see the module comment. */
export class AmqpConnection {
  private model: ChannelModel | undefined;
  private running: Promise<void> | undefined;
  private closed = false;
  private generationCounter = 0;
  private readonly waiters = new Set<Waiter>();
  private readonly listeners = new Set<Listener>();
  private readonly loopSignal: { cancelled: boolean; wake?: () => void } = { cancelled: false };
  private lastError: CelerityError | undefined;
  private readonly refusals = new WeakMap<ChannelModel, { feature: string; error: Error }>();
  /** Index of the endpoint the next attempt goes to. */
  private cursor = 0;
  private connectedEndpoint: AmqpEndpoint | undefined;

  constructor(private readonly settings: AmqpConnectionSettings) {
    if (settings.endpoints.length === 0) throw new ConfigurationError('An AMQP connection needs at least one URL');
  }

  /** The URL (password redacted) of the server the open connection goes to, if one is open. */
  get connectedTo(): string | undefined {
    return this.model === undefined || this.connectedEndpoint === undefined ? undefined : redactUrl(this.connectedEndpoint.displayUrl);
  }

  /** Increases with every successful (re)connection; channels remember the one they belong to. */
  get generation(): number {
    return this.generationCounter;
  }

  /** The open connection, if any. */
  get current(): ChannelModel | undefined {
    return this.model;
  }

  /** Called (synchronously, after setup) each time a connection opens, the first one included. */
  onOpen(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * The open connection, connecting or waiting for a reconnect as needed. Rejects with
   * `ConnectionError` when none is available by `deadline` (epoch ms), with `ConfigurationError`
   * when RabbitMQ refuses our credentials or vhost, and with `ClosedError` after `close()`.
   * With `failFast`, a failed connection attempt rejects at once (`ConnectionError` with the
   * driver's reason) while the connection keeps retrying in the background: `connect()` reports an
   * unreachable server and leaves the retry policy to its caller (the worker's start-up retry).
   */
  acquire(deadline: number, signal?: AbortSignal, failFast = false): Promise<ChannelModel> {
    if (this.closed) return Promise.reject(new ClosedError('AMQP connection'));
    if (this.model !== undefined) return Promise.resolve(this.model);
    this.start();
    return new Promise<ChannelModel>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, timer: undefined, failFast };
      const finish = (): void => {
        if (waiter.timer !== undefined) clearTimeout(waiter.timer);
        signal?.removeEventListener('abort', onAbort);
        this.waiters.delete(waiter);
      };
      const onAbort = (): void => {
        finish();
        reject(signal?.reason instanceof Error ? signal.reason : new CelerityError('ABORTED', 'Aborted while waiting for the AMQP connection'));
      };
      waiter.resolve = (model) => {
        finish();
        resolve(model);
      };
      waiter.reject = (error) => {
        finish();
        reject(error);
      };
      const wait = deadline - Date.now();
      waiter.timer = setTimeout(() => {
        const cause = this.lastError;
        waiter.reject(
          new ConnectionError(
            `No connection to RabbitMQ at ${redactUrl(this.settings.displayUrl)} within ${Math.max(0, Math.round(wait))} ms${cause ? `: ${cause.message}` : ''}`,
            cause ? { cause } : {},
          ),
        );
      }, Math.max(0, wait));
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.add(waiter);
    });
  }

  /** Starts connecting in the background (idempotent). */
  start(): void {
    if (this.closed || this.running !== undefined || this.model !== undefined) return;
    this.running = this.loop().finally(() => {
      this.running = undefined;
    });
  }

  private async loop(): Promise<void> {
    let delay = this.settings.reconnectDelay;
    let attempt = 0;
    const { endpoints } = this.settings;
    // Attempts since the last wait: the delay comes once every endpoint has failed in a row.
    let failedInRound = 0;
    while (!this.closed) {
      attempt++;
      const endpoint = endpoints[this.cursor % endpoints.length] as AmqpEndpoint;
      try {
        const model = await this.open(endpoint.url);
        if (this.closed) {
          await model.close().catch(() => undefined);
          return;
        }
        this.connectedEndpoint = endpoint;
        this.adopt(model);
        if (attempt > 1 || this.generationCounter > 1) this.settings.logger.info(`Connected to RabbitMQ at ${redactUrl(endpoint.displayUrl)}`);
        return;
      } catch (error) {
        const mapped = mapAmqpError(error, 'connect');
        this.lastError = mapped;
        if (mapped instanceof ConfigurationError) {
          // Wrong credentials or vhost: retrying won't help; fail whoever waits, retry on next use.
          // Logged only when nobody waits: a waiter reports it itself (once, as its caller words it).
          if (this.waiters.size === 0) this.settings.logger.error(mapped.message, { error: mapped });
          for (const waiter of [...this.waiters]) waiter.reject(mapped);
          return;
        }
        this.cursor = (this.cursor + 1) % endpoints.length;
        failedInRound++;
        const log = attempt === 1 ? 'warn' : 'debug';
        if (failedInRound < endpoints.length) {
          const next = endpoints[this.cursor] as AmqpEndpoint;
          this.settings.logger[log](`Cannot connect to RabbitMQ at ${redactUrl(endpoint.displayUrl)} (attempt ${attempt}), trying ${redactUrl(next.displayUrl)}: ${mapped.message}`, { error: mapped });
          continue;
        }
        failedInRound = 0;
        // With a failover list, connect() fails fast only once every endpoint has refused.
        for (const waiter of [...this.waiters]) if (waiter.failFast) waiter.reject(mapped);
        this.settings.logger[log](`Cannot connect to RabbitMQ at ${redactUrl(endpoint.displayUrl)} (attempt ${attempt}), retrying in ${delay} ms: ${mapped.message}`, { error: mapped });
        await sleep(delay, this.loopSignal);
        delay = Math.min(delay * 2, this.settings.maxReconnectDelay);
      }
    }
  }

  private async open(url: AmqpUrlOptions): Promise<ChannelModel> {
    const connectOptions: Options.Connect = {
      protocol: url.protocol,
      hostname: url.hostname,
      port: url.port,
      username: url.username,
      password: url.password,
      // amqplib unescapes the vhost; escaping it first keeps names with `%` intact.
      vhost: encodeURIComponent(url.vhost),
      heartbeat: this.settings.heartbeat,
    };
    if (url.frameMax !== undefined) connectOptions.frameMax = url.frameMax;
    const clientProperties: Record<string, unknown> = { product: 'celerity' };
    if (this.settings.connectionName !== undefined) clientProperties['connection_name'] = this.settings.connectionName;
    const model = await amqpConnect(connectOptions, { ...this.settings.tls, noDelay: true, timeout: CONNECT_TIMEOUT_MS, clientProperties });
    // Listen at once: an error event without a listener would crash the process.
    model.on('error', (error: Error) => this.settings.logger.debug(`AMQP connection error: ${error.message}`, { error }));
    let closedEarly: Error | undefined;
    const onEarlyClose = (error?: Error): void => {
      closedEarly = error ?? new ConnectionError('AMQP connection closed during setup');
    };
    model.on('close', onEarlyClose);
    try {
      await this.settings.setup?.(model);
    } catch (error) {
      await model.close().catch(() => undefined);
      throw error;
    } finally {
      model.removeListener('close', onEarlyClose);
    }
    if (closedEarly !== undefined) throw closedEarly;
    return model;
  }

  private adopt(model: ChannelModel): void {
    this.model = model;
    this.lastError = undefined;
    const generation = ++this.generationCounter;
    model.on('close', (error?: Error) => this.lost(model, error));
    model.on('blocked', (reason: string) => this.settings.logger.warn(`RabbitMQ blocked publishing on this connection: ${reason}`));
    model.on('unblocked', () => this.settings.logger.info('RabbitMQ unblocked publishing on this connection'));
    for (const waiter of [...this.waiters]) waiter.resolve(model);
    for (const listener of [...this.listeners]) {
      try {
        listener(model, generation);
      } catch (error) {
        this.settings.logger.error('AMQP connection listener threw', { error });
      }
    }
  }

  /**
   * The deprecated feature RabbitMQ named when it closed `model` for using it, if it did (see
   * errors.ts `deprecatedFeatureRefused`): an operation that failed as that connection closed was
   * the one refused, and retrying it would only close the next connection too.
   */
  refusedFeature(model: ChannelModel): { feature: string; error: Error } | undefined {
    return this.refusals.get(model);
  }

  private lost(model: ChannelModel, error: Error | undefined): void {
    const feature = deprecatedFeatureRefused(error);
    if (feature !== undefined && error !== undefined) this.refusals.set(model, { feature, error });
    if (this.model !== model) return;
    this.model = undefined;
    if (this.closed) return;
    const mapped = error ? mapAmqpError(error, 'connection') : new ConnectionError('AMQP connection closed by the server');
    this.lastError = mapped;
    const lostAt = this.connectedEndpoint?.displayUrl ?? this.settings.displayUrl;
    // The server that dropped us is likely going down: the next attempt goes to the next endpoint.
    this.cursor = (this.cursor + 1) % this.settings.endpoints.length;
    this.settings.logger.warn(`Lost the connection to RabbitMQ at ${redactUrl(lostAt)}, reconnecting: ${mapped.message}`, { error: mapped });
    this.start();
  }

  /** Closes the connection for good; waiters get `ClosedError`. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.loopSignal.cancelled = true;
    this.loopSignal.wake?.();
    for (const waiter of [...this.waiters]) waiter.reject(new ClosedError('AMQP connection'));
    this.listeners.clear();
    const model = this.model;
    this.model = undefined;
    // An attempt in flight closes what it opens itself once it sees `closed`.
    if (model !== undefined) await model.close().catch(() => undefined);
  }
}
