/**
 * How the example broker stores an envelope on its server: one JSON string, the body in base64
 * (kombu's Redis envelope does the same), plus whether it is a redelivery. What comes back from
 * the server is `unknown` until decoded here.
 */
import { DecodeError } from '@celerity/core';
import type { Envelope, EnvelopeProperties } from '@celerity/core';

/** An envelope as the server keeps it. */
export interface StoredMessage {
  envelope: Envelope;
  /** True once the message was handed out and given back (reject with requeue, broker closed). */
  redelivered: boolean;
}

/** Serializes a message for the server. The copy it makes is what isolates the stored message from the caller's objects. */
export function encodeMessage(message: StoredMessage): string {
  const { body, ...rest } = message.envelope;
  return JSON.stringify({ ...rest, body: Buffer.from(body).toString('base64'), redelivered: message.redelivered });
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Decodes what the server returned; throws `DecodeError` for anything `encodeMessage` did not write. */
export function decodeMessage(text: string): StoredMessage {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new DecodeError('example message is not JSON', { cause: error });
  }
  if (!isRecord(value)) throw new DecodeError('example message is not an object');
  const { body, contentType, contentEncoding, headers, properties, redelivered } = value;
  if (typeof body !== 'string' || typeof contentType !== 'string' || typeof contentEncoding !== 'string' || !isRecord(headers) || !isRecord(properties)) {
    throw new DecodeError('example message lacks body, content type, encoding, headers or properties');
  }
  const envelope: Envelope = {
    body: new Uint8Array(Buffer.from(body, 'base64')),
    contentType,
    contentEncoding,
    headers,
    // Written by encodeMessage from an EnvelopeProperties: JSON keeps its shape.
    properties: properties as EnvelopeProperties,
  };
  return { envelope, redelivered: redelivered === true };
}
