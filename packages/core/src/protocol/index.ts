/** Protocol codec: task messages (v2 encode; v1 + v2 decode), Celery date strings, exception dicts. */
export { encodeTaskMessage, decodeTaskMessage } from './task-codec.js';
export type { EncodeTaskOptions, DecodeTaskOptions } from './task-codec.js';
export { formatCeleryDate, parseCeleryDate } from './dates.js';
