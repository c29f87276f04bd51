/** The tasks of the canvas rows (the same names and results as `python/canvas_app.py`). */
import { defineTask } from '@celerity/core';

/** `add(x, y)`: the header members, the chain steps and the plain tasks. */
export const add = defineTask({ name: 'tasks.add', params: ['x', 'y'] }, (x: number, y: number) => x + y);

/**
 * The chord body: how many header results arrived, and whether they came in header order (the
 * header's member `i` is `add(i, i)`), so the bench can check the body ran once with every result.
 */
export const checkChord = defineTask({ name: 'tasks.check_chord', params: ['results'] }, (results: number[]) => ({
  count: results.length,
  ordered: results.every((value, i) => value === 2 * i),
}));
