/** Protocol codec: task messages (v2 encode; v1 + v2 decode), Celery date strings, exception dicts, Python repr. */
export { encodeTaskMessage, decodeTaskMessage, TASK_MESSAGE_LANG, DEFAULT_MAX_BODY_SIZE } from './task-codec.js';
export type { EncodeTaskOptions, DecodeTaskOptions } from './task-codec.js';
export { CELERY_TASK_HEADERS } from './task-fields.js';
export { formatCeleryDate, parseCeleryDate } from './dates.js';
export { pythonRepr, pythonStrRepr, pythonNumberRepr, REPR_MAX_LENGTH } from './python-repr.js';
export type { PythonReprOptions } from './python-repr.js';
export { errorToExceptionInfo, exceptionInfoFromResult, formatTraceback, JS_EXCEPTION_MODULE } from './exceptions.js';
