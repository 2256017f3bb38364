import type { Clock } from "../../../drivers/types.js";

/**
 * Whether the meter is lost for the open session: lost once reads have failed without a good one in
 * between for `lossMs` (monotonic time, so a clock step neither hastens nor delays it). Pure bookkeeping;
 * the metering service decides what loss means for intervals and billing.
 */
export class MeterHealth {
  private failingSince: number | null = null;
  private lost = false;

  constructor(
    private readonly clock: Clock,
    private readonly lossMs: () => number,
  ) {}

  /** A new session: forget earlier failures. */
  reset(): void {
    this.failingSince = null;
    this.lost = false;
  }

  /** Whether the meter is lost now (failing for the loss time, no good reading since). */
  isLost(): boolean {
    return this.lost;
  }

  /** A good reading. True when it ends a loss (the caller reports `meterRestored`). */
  good(): boolean {
    this.failingSince = null;
    const restored = this.lost;
    this.lost = false;
    return restored;
  }

  /**
   * A failed read. Returns the wall time (ms) the failures began when this one makes the meter lost,
   * else null (still within `lossMs`, or already lost).
   */
  failed(): number | null {
    if (this.lost) return null;
    const mono = this.clock.monotonic();
    this.failingSince ??= mono;
    if (mono - this.failingSince < this.lossMs()) return null;
    this.lost = true;
    return this.clock.now() - (mono - this.failingSince);
  }
}
