import type { Clock, TimerHandle } from "../../../drivers/types.js";

/** A repeating timer on an injected clock; the period can change, taking effect from the next tick. */
export class Ticker {
  private handle: TimerHandle | null = null;

  constructor(
    private readonly clock: Clock,
    private periodMs: number,
    private readonly fn: () => void,
  ) {}

  start(): void {
    this.stop();
    this.handle = this.clock.setTimer(this.periodMs, () => {
      this.handle = null;
      this.start();
      this.fn();
    });
  }

  /** Change the period and restart the countdown. */
  setPeriod(ms: number): void {
    this.periodMs = ms;
    if (this.handle) this.start();
  }

  stop(): void {
    this.handle?.cancel();
    this.handle = null;
  }
}
