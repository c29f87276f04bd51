/**
 * Serializers turn values into body bytes and back, keyed by content type. A registry with an
 * accept list decides what a consumer is willing to decode, as Celery's `accept_content` does.
 */
import { ContentDisallowedError } from './errors.js';

/** A pure encoder/decoder for one content type. */
export interface Serializer {
  /** Short name used in options (`json`, `msgpack`), as in Celery's `serializer=`. */
  readonly name: string;
  /** MIME type written in messages, e.g. `application/json`. */
  readonly contentType: string;
  /** Content encoding written in messages, e.g. `utf-8`, `binary`. */
  readonly contentEncoding: string;
  /** Encodes a value; throws `EncodeError` for values this format cannot carry. */
  encode(value: unknown): Uint8Array;
  /** Decodes bytes; throws `DecodeError` for malformed input, never anything else. */
  decode(bytes: Uint8Array): unknown;
}

/** Options of {@link createSerializerRegistry}. */
export interface SerializerRegistryOptions {
  /**
   * Names or content types accepted when decoding. @default every registered serializer
   * @example ['json', 'application/x-msgpack']
   */
  accept?: readonly string[];
}

/** Looks serializers up by name or content type and enforces an accept list on decode. */
export interface SerializerRegistry {
  register(serializer: Serializer): void;
  /** By name (`json`) or content type (`application/json`); throws `ContentDisallowedError` if unknown. */
  get(nameOrContentType: string): Serializer;
  /** Whether content of this type may be decoded. */
  accepts(contentType: string): boolean;
  /** Decodes bytes of a content type; throws `ContentDisallowedError` if unknown or not accepted. */
  decode(contentType: string, bytes: Uint8Array): unknown;
  /** Content types currently accepted. */
  readonly accepted: readonly string[];
  readonly serializers: readonly Serializer[];
}

/**
 * @example
 * const registry = createSerializerRegistry([jsonSerializer, createMsgpackSerializer()], { accept: ['json'] });
 */
export function createSerializerRegistry(
  serializers: readonly Serializer[],
  options: SerializerRegistryOptions = {},
): SerializerRegistry {
  const byKey = new Map<string, Serializer>();
  const list: Serializer[] = [];
  const register = (s: Serializer): void => {
    list.push(s);
    byKey.set(s.name, s);
    byKey.set(s.contentType, s);
  };
  serializers.forEach(register);
  const acceptedTypes = (): string[] => {
    if (!options.accept) return list.map((s) => s.contentType);
    return options.accept.map((key) => byKey.get(key)?.contentType ?? key);
  };
  return {
    register,
    get(key) {
      const s = byKey.get(key);
      if (!s) throw new ContentDisallowedError(key, acceptedTypes());
      return s;
    },
    accepts(contentType) {
      return byKey.has(contentType) && acceptedTypes().includes(contentType);
    },
    decode(contentType, bytes) {
      const s = byKey.get(contentType);
      const accepted = acceptedTypes();
      if (!s || !accepted.includes(s.contentType)) throw new ContentDisallowedError(contentType, accepted);
      return s.decode(bytes);
    },
    get accepted() {
      return acceptedTypes();
    },
    get serializers() {
      return list;
    },
  };
}
