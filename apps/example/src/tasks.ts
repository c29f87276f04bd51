// The seed's tasks. The worker imports this module; the client imports only its types.
import { defineTask } from '@celerity/core';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Adds two numbers, slowly (5 s), so the client has something to wait for. */
export const add = defineTask({ name: 'tasks.add', params: ['x', 'y'] }, async (x: number, y: number) => {
  await sleep(Number(process.env['ADD_DELAY_MS'] ?? 5000));
  return x + y;
});

/** Multiplies two numbers at once. */
export const multiply = defineTask({ name: 'tasks.multiply', params: ['x', 'y'] }, (x: number, y: number) => x * y);
