// The seed's client: send add(4, 4), poll ready() once a second, then get the result;
// then the synchronous variant: get() with a timeout too short, and one long enough.
import { createClient } from '@celerity/client';
import { TimeoutError } from '@celerity/core';
import type { add } from './tasks.js';
import { adapters, backendUrl, brokerUrl } from './config.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function runClient(): Promise<void> {
  await using client = createClient({ broker: brokerUrl, backend: backendUrl, adapters });
  const addTask = client.task<typeof add>('tasks.add');

  const result = await addTask.delay(4, 4);
  while (!(await result.ready())) {
    console.log('not ready, wait 1 second');
    await sleep(1000);
  }
  console.log('result', await result.get({ timeout: 1 }));

  const again = await addTask.delay(4, 4);
  try {
    await again.get({ timeout: 1 });
  } catch (error) {
    if (!(error instanceof TimeoutError)) throw error;
    console.log(`get({ timeout: 1 }) -> ${error.name}: ${error.message}`);
  }
  console.log('get({ timeout: 10 }) ->', await again.get({ timeout: 10 }));
}

if (import.meta.url === `file://${process.argv[1]}`) await runClient();
