/**
 * Signatures carry Celery's `apply_async` options in Python spelling (`task_id`, `soft_time_limit`,
 * `link_error`…), because Python workers read them too. This maps them onto {@link SendOptions}
 * and back.
 */
import type { SignatureData } from '../signature.js';
import { ConfigurationError } from '../errors.js';
import { parseCeleryDate } from '../protocol/index.js';
import type { MessageExtras, SendOptions } from './send-options.js';

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

function when(name: string, v: unknown): Date | undefined {
  if (v === undefined || v === null) return undefined;
  if (v instanceof Date) return v;
  if (typeof v === 'string') return parseCeleryDate(v);
  throw new ConfigurationError(`Invalid signature option ${name}: ${JSON.stringify(v)}`);
}

function signatures(v: unknown): SignatureData[] | undefined {
  if (v === undefined || v === null) return undefined;
  return Array.isArray(v) ? (v as SignatureData[]) : [v as SignatureData];
}

/** Celery option names of the plain string / number send options (the rest need a conversion). */
const STRINGS = { task_id: 'taskId', routing_key: 'routingKey', serializer: 'serializer', shadow: 'shadow', parent_id: 'parentId', root_id: 'rootId' } as const;
const NUMBERS = { priority: 'priority', countdown: 'countdown', time_limit: 'timeLimit', soft_time_limit: 'softTimeLimit', retries: 'retries' } as const;

/** Options of a signature as send options plus the canvas fields (group, chain, chord, reply_to) they may hold. */
export function fromSignatureOptions(options: Readonly<Record<string, unknown>>): { send: SendOptions; extras: MessageExtras } {
  const send: SendOptions = {};
  const extras: MessageExtras = {};
  const o = options;
  const out = send as Record<string, unknown>;
  for (const [name, key] of Object.entries(STRINGS)) {
    const value = str(o[name]);
    if (value) out[key] = value;
  }
  for (const [name, key] of Object.entries(NUMBERS)) {
    const value = num(o[name]);
    if (value !== undefined) out[key] = value;
  }
  const queue = o['queue'];
  // Celery allows a Queue object here; its dict form carries the name.
  const queueName = str(queue) ?? (typeof queue === 'object' && queue !== null ? str((queue as Record<string, unknown>)['name']) : undefined);
  if (queueName) send.queue = queueName;
  const exchange = o['exchange'];
  if (typeof exchange === 'string') send.exchange = exchange;
  const eta = when('eta', o['eta']);
  if (eta) send.eta = eta;
  const expires = o['expires'];
  if (typeof expires === 'number') send.expires = expires;
  else {
    const at = when('expires', expires);
    if (at) send.expires = at;
  }
  if (typeof o['ignore_result'] === 'boolean') send.ignoreResult = o['ignore_result'];
  const headers = o['headers'];
  if (typeof headers === 'object' && headers !== null && !Array.isArray(headers)) send.headers = headers as Record<string, unknown>;
  const link = signatures(o['link']);
  if (link) send.link = link;
  const linkError = signatures(o['link_error']);
  if (linkError) send.linkError = linkError;
  const stamped = o['stamped_headers'];
  if (Array.isArray(stamped) && stamped.length > 0) {
    const stamps: Record<string, unknown> = {};
    for (const name of stamped) if (typeof name === 'string') stamps[name] = o[name];
    send.stamps = stamps;
  }

  const replyTo = str(o['reply_to']);
  if (replyTo) extras.replyTo = replyTo;
  const groupId = str(o['group_id']);
  if (groupId) extras.group = groupId;
  const groupIndex = num(o['group_index']);
  if (groupIndex !== undefined) extras.groupIndex = groupIndex;
  const nesting = num(o['replaced_task_nesting']);
  if (nesting !== undefined) extras.replacedTaskNesting = nesting;
  // An empty chain stays an empty list: Celery gives a chain's last link `[]`, not null.
  const chain = signatures(o['chain']);
  const chord = o['chord'];
  if (chain || (typeof chord === 'object' && chord !== null)) {
    extras.embed = {};
    if (chain) extras.embed.chain = chain;
    if (typeof chord === 'object' && chord !== null) extras.embed.chord = chord as SignatureData;
  }
  return { send, extras };
}

/**
 * The reverse mapping: send options as signature options, for building signatures that carry
 * routing or limits (`{ ...add.s(1, 2), options: toSignatureOptions({ queue: 'math' }) }`).
 * @example
 * const sig = { ...add.s(2, 2), options: toSignatureOptions({ queue: 'math', countdown: 10 }) };
 */
export function toSignatureOptions(options: SendOptions): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const put = (key: string, value: unknown): void => {
    if (value !== undefined) out[key] = value;
  };
  const given = options as Readonly<Record<string, unknown>>;
  for (const [name, key] of Object.entries(STRINGS)) put(name, key === 'serializer' ? undefined : given[key]);
  for (const [name, key] of Object.entries(NUMBERS)) put(name, given[key]);
  put('serializer', typeof options.serializer === 'string' ? options.serializer : options.serializer?.name);
  put('queue', options.queue);
  put('exchange', options.exchange);
  put('eta', options.eta);
  put('expires', options.expires);
  put('ignore_result', options.ignoreResult);
  put('headers', options.headers);
  put('link', options.link === undefined ? undefined : Array.isArray(options.link) ? [...options.link] : [options.link]);
  put('link_error', options.linkError === undefined ? undefined : Array.isArray(options.linkError) ? [...options.linkError] : [options.linkError]);
  if (options.stamps) {
    Object.assign(out, options.stamps);
    out['stamped_headers'] = Object.keys(options.stamps);
  }
  return out;
}
