/** Waiting for the event loop rather than for time: no test here sleeps. */

/** Yields to the event loop until `done()` holds; fails after `turns` turns instead of hanging. */
export async function until(done: () => boolean, turns = 10_000): Promise<void> {
  for (let i = 0; !done(); i++) {
    if (i >= turns) throw new Error(`still not done after ${turns} event-loop turns`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** Lets pending I/O callbacks and promise jobs run, so a wrong early start would have happened. */
export async function settle(turns = 20): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise((resolve) => setImmediate(resolve));
}
