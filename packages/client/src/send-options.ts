/** `apply_async` options live in core (canvas resolves them too); the client re-exports the type. */
export type { SendOptions } from '@celerity/core';
