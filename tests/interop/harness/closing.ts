/**
 * Teardown of what interop tests start on the TypeScript side: a client or worker closes with the
 * broker and backend it was given, so a test file's afterAll is a list of these.
 */
import type { Client } from '@celerity/client';
import type { Worker } from '@celerity/worker';

/** Closes a client and its broker and backend (nothing when it was never made). */
export async function closeClient(client: Client | undefined): Promise<void> {
  await client?.close();
  await client?.broker.close();
  await client?.backend?.close();
}

/** Stops a worker at once (running tasks are not waited for) and closes its broker and backend. */
export async function closeWorker(worker: Worker | undefined): Promise<void> {
  await worker?.stop({ force: true });
  await worker?.broker.close();
  await worker?.backend?.close();
}
