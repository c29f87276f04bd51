/**
 * A running beat, for `celerity beat` and `celerity worker -B`: where its schedule comes from (the -A
 * module, the configuration's `beatSchedule`), where it is stored, and how ticks reach the broker —
 * claimed and LPUSHed in one script when the broker is Redis on the store's server and db (exactly
 * once), else claimed, published with the broker's confirm, then cleared (at least once; a re-send
 * after a takeover keeps the task id).
 */
import type { CelerityConfig, Logger } from '@celerity/core';
import { BeatRunner, checkEntry, createBrokerTickPusher, createBrokerTickSender, isListPushBroker, openBeatStore, scheduleFromConfig, type BeatEntry, type OpenBeatStoreOptions } from '@celerity/beat';
import { UsageError, against } from './cli-errors.js';
import { openCommandBroker, type CommandSettings } from './command-settings.js';
import { importUserModule } from './environment.js';

/** Whether a broker URL is Redis (one server, Sentinel or Cluster): its settings are then redis-py's, which the store reads too. */
const isRedisBroker = (brokerUrl: string): boolean => /^(rediss?|sentinel|rediscluster):/i.test(brokerUrl);

/** The Redis holding the schedule: --store, CELERITY_BEAT_STORE_URL, else the broker when it is Redis (one server, Sentinel or Cluster). */
export function beatStoreUrl(flag: string | undefined, brokerUrl: string): string {
  const url = flag ?? (process.env['CELERITY_BEAT_STORE_URL'] || undefined) ?? (isRedisBroker(brokerUrl) ? brokerUrl : undefined);
  if (url === undefined) throw new UsageError(`beat keeps its schedule in Redis: give --store <redis-url> (the broker ${brokerUrl.split(':')[0]}:// is not Redis)`);
  return url;
}

/**
 * The entries defined in code: -A's `beatSchedule` (or `beat_schedule`) export (defineSchedule's list, or
 * Celery's `beat_schedule` shape), and the configuration's `beatSchedule`; a name defined in both is an error.
 */
export async function codeEntries(app: string | undefined, config: Pick<CelerityConfig, 'beatSchedule'> = {}): Promise<BeatEntry[]> {
  const entries: BeatEntry[] = [];
  if (app !== undefined) {
    const mod = await importUserModule(app);
    const table = mod['beatSchedule'] ?? mod['beat_schedule'];
    if (Array.isArray(table)) entries.push(...table.map((e: unknown) => checkEntry(String((e as { name?: unknown }).name ?? ''), e)));
    else if (table !== undefined) entries.push(...scheduleFromConfig({ beatSchedule: table }));
  }
  if (config.beatSchedule !== undefined) {
    const fromApp = new Set(entries.map((e) => e.name));
    for (const entry of scheduleFromConfig({ beatSchedule: config.beatSchedule })) {
      if (fromApp.has(entry.name)) throw new UsageError(`beat entry '${entry.name}' is defined both in ${app} and in the configuration's beatSchedule`);
      entries.push(entry);
    }
  }
  return entries;
}

/**
 * How the store connects: when the broker is Redis, with its TLS setting (`brokerUseSsl`) and
 * transport options (`master_name`, `sentinel_kwargs` for `sentinel://`), as celery-redbeat's
 * defaults do, whether the store is the broker's Redis or another one. An AMQP broker's settings
 * are not Redis settings (its `broker_use_ssl` would turn TLS on for a plain store): the store then
 * connects with its URL alone (`rediss://` and its query for TLS).
 */
export function beatStoreConnection(settings: Pick<CommandSettings, 'brokerUrl'> & { config: Pick<CelerityConfig, 'brokerUseSsl' | 'brokerTransportOptions'> }): Pick<OpenBeatStoreOptions, 'ssl' | 'transportOptions'> {
  const out: Pick<OpenBeatStoreOptions, 'ssl' | 'transportOptions'> = {};
  if (!isRedisBroker(settings.brokerUrl)) return out;
  const { config } = settings;
  // Checked by the store like the broker checks it (an object of redis-py's names, or a boolean).
  if (config.brokerUseSsl !== undefined) out.ssl = config.brokerUseSsl as NonNullable<OpenBeatStoreOptions['ssl']>;
  if (config.brokerTransportOptions !== undefined) out.transportOptions = config.brokerTransportOptions;
  return out;
}

export interface BeatProcessOptions {
  /** Where ticks are sent (the broker URL and its adapter options) and how the store connects (the configuration's TLS and transport settings). */
  settings: CommandSettings;
  storeUrl: string;
  prefix?: string;
  entries: readonly BeatEntry[];
  leaseMs: number;
  pollMs: number;
  logger: Logger;
  defaultQueue?: string;
}

/** Writes the code entries to the store and starts a runner; `stop` gives the lease up and closes. */
export async function startBeat(options: BeatProcessOptions): Promise<{ stop(): Promise<void> }> {
  const { settings } = options;
  const { store, close } = openBeatStore(options.storeUrl, { ...beatStoreConnection(settings), ...(options.prefix === undefined ? {} : { prefix: options.prefix }) });
  const broker = await openCommandBroker(settings).catch(async (error: unknown) => {
    await close();
    throw error;
  });
  let push = false;
  try {
    await against(options.storeUrl, () => store.put(options.entries));
    await against(settings.brokerUrl, () => broker.connect());
    // Pushing in the claim's script is only right when the broker's lists are on the store's Redis: checked, not assumed from the URLs.
    push = isListPushBroker(broker) && (await against(options.storeUrl, () => store.sharesRedisWith(broker)));
  } catch (error) {
    await close();
    await broker.close().catch(() => undefined);
    throw error;
  }
  const senderOptions = options.defaultQueue === undefined ? {} : { defaultQueue: options.defaultQueue };
  if (isListPushBroker(broker) && !push) {
    options.logger.warn('beat: the store is not on the Redis broker\'s server and db: ticks are published, then confirmed (at least once), not queued in the claim (exactly once)');
  }
  options.logger.info(`beat: ticks ${push ? 'claimed and queued in one Redis script' : 'claimed, published with confirm, then cleared'}`, { delivery: push ? 'push' : 'send' });
  const timing = { store, leaseMs: options.leaseMs, pollMs: options.pollMs, logger: options.logger };
  const runner = push && isListPushBroker(broker) ? new BeatRunner({ ...timing, push: createBrokerTickPusher(broker, senderOptions) }) : new BeatRunner({ ...timing, send: createBrokerTickSender(broker, senderOptions) });
  runner.start();
  return {
    stop: async () => {
      await runner.stop().catch(() => undefined);
      await broker.close().catch(() => undefined);
      await close();
    },
  };
}

/** A number of seconds > 0 from a flag, or `fallback` when the flag is absent. */
export function positiveSeconds(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (value.trim() === '' || !(n > 0)) throw new UsageError(`--${name} must be a number of seconds > 0, got '${value}'`);
  return n;
}
