/** Mapping send options to Celery's signature option names lives in core; the client re-exports it. */
export { toSignatureOptions } from '@celerity/core';
