/** Resolves on the next event-loop turn, after pending I/O and timers. */
export function yieldTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Runs `step` repeatedly until it returns false, giving the event loop back whenever `budgetMs` of wall
 * time has been used in the current turn. `step` should do a bounded amount of work (one small commit).
 */
export async function runChunked(
  step: () => boolean,
  budgetMs: number,
  now: () => number = performance.now.bind(performance),
): Promise<void> {
  let turnStart = now();
  while (step()) {
    if (now() - turnStart >= budgetMs) {
      await yieldTurn();
      turnStart = now();
    }
  }
}
