/**
 * The task message model: what a decoded Celery task message (protocol v1 or v2) means, in
 * TypeScript terms. The codec (`protocol/`) maps between this and an {@link Envelope}.
 */
import type { SignatureData } from './signature.js';

/** `embed` of a protocol v2 body: what happens after the task. */
export interface Embed {
  /** `link=`: applied on success with the result prepended. */
  callbacks: SignatureData[] | null;
  /** `link_error=`. */
  errbacks: SignatureData[] | null;
  /** Remaining chain, **reversed**: the last element runs next. */
  chain: SignatureData[] | null;
  /** Chord body (on chord header tasks). */
  chord: SignatureData | null;
}

/** A decoded task message, protocol-independent. */
export interface TaskMessage {
  /** Registered task name (`headers.task`). */
  task: string;
  id: string;
  args: unknown[];
  kwargs: Record<string, unknown>;
  embed: Embed;
  /** Earliest execution time; null = now. */
  eta: Date | null;
  /** After this the task is REVOKED ("expired") instead of run. */
  expires: Date | null;
  retries: number;
  /** `[hard, soft]` seconds, hard first; null = worker default. */
  timeLimit: [number | null, number | null];
  rootId: string | null;
  parentId: string | null;
  group: string | null;
  groupIndex: number | null;
  shadow: string | null;
  /** `ignore_result` header: null when absent (task default decides). */
  ignoreResult: boolean | null;
  origin: string | null;
  argsrepr: string | null;
  kwargsrepr: string | null;
  replacedTaskNesting: number;
  /** Celery ≥ 5.3 stamping. */
  stamps: Record<string, unknown>;
  stampedHeaders: string[];
  /** Headers that are not Celery fields (`x-custom`, `redelivered`…), kept for retries. */
  customHeaders: Record<string, unknown>;
  /** Transport properties. */
  correlationId: string | null;
  replyTo: string | null;
  priority: number | null;
  contentType: string;
  contentEncoding: string;
  /** Which protocol the message used. */
  protocol: 1 | 2;
}

/** Options for encoding a new task message (what `apply_async` takes, resolved). */
export interface TaskMessageInit {
  task: string;
  id: string;
  args?: readonly unknown[];
  kwargs?: Record<string, unknown>;
  embed?: Partial<Embed>;
  eta?: Date | null;
  expires?: Date | null;
  retries?: number;
  timeLimit?: [number | null, number | null];
  rootId?: string | null;
  parentId?: string | null;
  group?: string | null;
  groupIndex?: number | null;
  shadow?: string | null;
  /** Sent only when set (Celery 5.6.3 semantics: absent = task default). */
  ignoreResult?: boolean | null;
  origin?: string;
  argsrepr?: string;
  kwargsrepr?: string;
  replacedTaskNesting?: number;
  stamps?: Record<string, unknown>;
  /** Extra headers merged into the header table (`apply_async(headers=…)`). */
  headers?: Record<string, unknown>;
  replyTo?: string;
  priority?: number;
  /** Per-message TTL for AMQP `expiration`, computed from `expires` when absent. */
  expirationMs?: number;
}
