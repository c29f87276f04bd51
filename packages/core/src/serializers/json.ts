// STUB — to be implemented.
import type { Serializer } from '../serializer.js';

/** Options of {@link createJsonSerializer}. */
export interface JsonSerializerOptions {
  /**
   * How non-JSON values (Date, Uint8Array, bigint-as-decimal) are written: `legacy` = kombu ≤ 5.2
   * plain strings (readable by every Celery 5.x), `tagged` = kombu ≥ 5.3 `__type__` objects.
   * @default 'legacy'
   */
  mode?: 'legacy' | 'tagged';
}

export function createJsonSerializer(options: JsonSerializerOptions = {}): Serializer {
  void options;
  throw new Error('not implemented');
}
