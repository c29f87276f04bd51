// Where the example connects: memory:// unless BROKER_URL / RESULT_BACKEND say otherwise.
// The adapter packages for redis:// (and amqp://) are loaded only when a URL asks for them.
import { autoloadAdapters } from '@celerity/core';

export const brokerUrl = process.env['BROKER_URL'] ?? process.env['CELERITY_BROKER_URL'] ?? 'memory://';
export const backendUrl = process.env['RESULT_BACKEND'] ?? process.env['CELERITY_RESULT_BACKEND'] ?? 'memory://';

await autoloadAdapters(brokerUrl, 'broker', new URL('..', import.meta.url).pathname);
await autoloadAdapters(backendUrl, 'backend', new URL('..', import.meta.url).pathname);
