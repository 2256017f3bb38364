/**
 * Reconnect delays: exponential from `minMs`, capped at `maxMs`, with "equal jitter" (half the step
 * fixed, half random) so a fleet that lost its broker together does not come back in lock-step, yet
 * no station retries sooner than half the step. `reset()` after a successful connection.
 */
export class Backoff {
  private attempt = 0;

  constructor(
    private readonly minMs: number,
    private readonly maxMs: number,
    private readonly random: () => number = Math.random,
  ) {}

  /** The delay before the next attempt; each call counts one attempt. */
  next(): number {
    const step = Math.min(this.maxMs, this.minMs * 2 ** Math.min(this.attempt, 30));
    this.attempt++;
    return Math.round(step / 2 + (step / 2) * this.random());
  }

  reset(): void {
    this.attempt = 0;
  }
}
