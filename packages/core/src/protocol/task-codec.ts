// STUB — to be implemented (core protocol helper). Signatures are the contract.
import type { Envelope } from '../broker.js';
import type { TaskMessage, TaskMessageInit } from '../message.js';
import type { Serializer, SerializerRegistry } from '../serializer.js';

/** Options of {@link encodeTaskMessage}. */
export interface EncodeTaskOptions {
  /** Body serializer. */
  serializer: Serializer;
}

/** Options of {@link decodeTaskMessage}. */
export interface DecodeTaskOptions {
  /** Serializers allowed to decode the body (accept list). */
  serializers: SerializerRegistry;
}

/** Encodes a protocol v2 task message into an envelope. */
export function encodeTaskMessage(init: TaskMessageInit, options: EncodeTaskOptions): Envelope {
  void init;
  void options;
  throw new Error('not implemented');
}

/** Decodes a protocol v1 or v2 task message; throws DecodeError / InvalidTaskError / ContentDisallowedError. */
export function decodeTaskMessage(envelope: Envelope, options: DecodeTaskOptions): TaskMessage {
  void envelope;
  void options;
  throw new Error('not implemented');
}
