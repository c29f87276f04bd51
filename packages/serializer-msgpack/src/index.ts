/**
 * @celerity/serializer-msgpack — the `msgpack` serializer (`application/x-msgpack`), byte-compatible
 * with Python's msgpack as kombu uses it.
 */
export { createMsgpackSerializer, msgpackSerializer } from './msgpack-serializer.js';
export type { MsgpackSerializerOptions } from './msgpack-serializer.js';
