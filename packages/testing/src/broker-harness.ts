/**
 * Per-test resources of the broker conformance suite: brokers to close, fresh queue names to purge,
 * and small collectors for deliveries.
 */
import type { Broker, Delivery, Envelope } from '@celerity/core';
import { randomSuffix, sleep, waitFor } from './helpers.js';

/** Options of `runBrokerConformance`. */
export interface BrokerConformanceOptions {
  /** Run the broadcast tests. @default the broker's `capabilities.broadcast` */
  supportsBroadcast?: boolean;
  /** Priority order to check (`none` skips the ordering test). @default the broker's `capabilities.priorityOrder` */
  priorityOrder?: 'low-first' | 'high-first' | 'none';
  /** Size of the large-body round trip in bytes; 0 skips it. @default 5 MiB */
  largeBodyBytes?: number;
  /** How long to wait for something that must happen, in milliseconds. @default 10000 */
  timeout?: number;
  /** Quiet period before asserting that nothing more arrives, in milliseconds. @default 150 */
  settleMs?: number;
  /** Prefix of queue and exchange names (a random suffix is appended). @default 'celerity-test' */
  namePrefix?: string;
  /** Deletes server-side leftovers (e.g. AMQP queues) after each test; queues are purged anyway. */
  cleanup?: (resources: { queues: string[]; exchanges: string[] }) => Promise<void>;
}

/** Settings with defaults applied. */
export interface ResolvedBrokerOptions {
  timeout: number;
  settleMs: number;
  largeBodyBytes: number;
  namePrefix: string;
  supportsBroadcast: boolean | undefined;
  priorityOrder: 'low-first' | 'high-first' | 'none' | undefined;
  cleanup: BrokerConformanceOptions['cleanup'];
}

/** Applies the defaults of {@link BrokerConformanceOptions}. */
export function resolveBrokerOptions(options: BrokerConformanceOptions): ResolvedBrokerOptions {
  return {
    timeout: options.timeout ?? 10_000,
    settleMs: options.settleMs ?? 150,
    largeBodyBytes: options.largeBodyBytes ?? 5 * 1024 * 1024,
    namePrefix: options.namePrefix ?? 'celerity-test',
    supportsBroadcast: options.supportsBroadcast,
    priorityOrder: options.priorityOrder,
    cleanup: options.cleanup,
  };
}

/** Resources of one test. */
export interface BrokerHarness {
  readonly options: ResolvedBrokerOptions;
  /** A new broker, closed after the test. */
  broker(): Promise<Broker>;
  /** A fresh queue name, purged after the test. */
  queue(label: string): string;
  /** A fresh exchange name. */
  exchange(label: string): string;
  /** Waits until `predicate` holds, within the suite's timeout. */
  until(predicate: () => boolean | Promise<boolean>, what: string): Promise<void>;
  /** Lets in-flight deliveries arrive before asserting that nothing more came. */
  settle(): Promise<void>;
  dispose(): Promise<void>;
}

/** Creates the resources of one broker conformance test. */
export function createBrokerHarness(makeBroker: () => Promise<Broker> | Broker, options: ResolvedBrokerOptions): BrokerHarness {
  const brokers: Broker[] = [];
  const queues: string[] = [];
  const exchanges: string[] = [];
  const name = (label: string): string => `${options.namePrefix}-${label}-${randomSuffix()}`;
  return {
    options,
    async broker() {
      const broker = await makeBroker();
      brokers.push(broker);
      await broker.connect();
      return broker;
    },
    queue(label) {
      const queue = name(label);
      queues.push(queue);
      return queue;
    },
    exchange(label) {
      const exchange = name(label);
      exchanges.push(exchange);
      return exchange;
    },
    async until(predicate, what) {
      await waitFor(predicate, { timeout: options.timeout, message: what });
    },
    settle: () => sleep(options.settleMs),
    async dispose() {
      const errors: unknown[] = [];
      for (const broker of brokers.splice(0)) await broker.close().catch((e: unknown) => errors.push(e));
      if (queues.length > 0) {
        const janitor = await makeBroker();
        try {
          for (const queue of queues) await janitor.purge(queue).catch(() => 0);
        } finally {
          await janitor.close();
        }
      }
      if (options.cleanup) await options.cleanup({ queues: queues.splice(0), exchanges: exchanges.splice(0) });
      if (errors.length > 0) throw new AggregateError(errors, 'closing brokers failed');
    },
  };
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A small JSON envelope whose body is the given label (read back with {@link label}). */
export function envelopeOf(text: string, extra: Partial<Envelope> = {}): Envelope {
  return {
    body: encoder.encode(JSON.stringify(text)),
    contentType: 'application/json',
    contentEncoding: 'utf-8',
    headers: {},
    properties: {},
    ...extra,
  };
}

/** The label a message was created with by {@link envelopeOf}. */
export function label(delivery: { envelope: Envelope }): string {
  return JSON.parse(decoder.decode(delivery.envelope.body)) as string;
}

/** Collects deliveries in arrival order. */
export function collector(): { items: Delivery[]; handler: (delivery: Delivery) => void; labels: () => string[] } {
  const items: Delivery[] = [];
  return {
    items,
    handler: (delivery) => {
      items.push(delivery);
    },
    labels: () => items.map(label),
  };
}
