/** The task the Celerity worker runs; producers import its type only. */
import { defineTask } from '@celerity/core';

/** `tasks.add(x, y)`, the bench's no-op-ish task. */
export const add = defineTask({ name: 'tasks.add', params: ['x', 'y'] }, async (x: number, y: number) => x + y);
