/** The tasks of the pool rows; the thread and process pools' children import this module by path. */
import { defineTask } from '@celerity/core';

/** The no-op row: `add(x, y)`, as the other scenarios. */
export const add = defineTask({ name: 'tasks.add', params: ['x', 'y'] }, async (x: number, y: number) => x + y);

/** The small CPU row: `n` steps of a modular Fibonacci, synchronous (about a millisecond for 200,000). */
export const fib = defineTask({ name: 'tasks.fib', params: ['n'] }, (n: number) => {
  let a = 0;
  let b = 1;
  for (let i = 0; i < n; i++) {
    const next = (a + b) % 1_000_007;
    a = b;
    b = next;
  }
  return a;
});
