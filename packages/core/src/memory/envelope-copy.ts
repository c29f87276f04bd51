import type { Envelope } from '../broker.js';
import { EncodeError } from '../errors.js';

/**
 * A deep copy of an envelope, as a real broker's serialization would make one: the body gets its
 * own exact-length buffer (never the whole pooled `Buffer` slab) and headers / properties are
 * structured-cloned, so neither the publisher nor a consumer can change a stored message.
 */
export function copyEnvelope(envelope: Envelope): Envelope {
  if (!(envelope.body instanceof Uint8Array)) {
    throw new EncodeError('Envelope body must be a Uint8Array');
  }
  try {
    return {
      body: new Uint8Array(envelope.body),
      contentType: envelope.contentType,
      contentEncoding: envelope.contentEncoding,
      headers: structuredClone(envelope.headers),
      properties: structuredClone(envelope.properties),
    };
  } catch (cause) {
    throw new EncodeError('Envelope headers or properties cannot be copied (functions, symbols?)', { cause });
  }
}
