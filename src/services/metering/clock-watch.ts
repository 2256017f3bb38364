import type { Clock } from "../../../drivers/types.js";

/** A change of the wall clock seen between two observations. */
export interface ClockChange {
  /** How far the wall clock moved relative to the monotonic clock, ms (0 for a bare sync). */
  readonly deltaMs: number;
  readonly wasSynced: boolean;
  readonly synced: boolean;
}

/**
 * Notices wall-clock steps and synchronization by comparing `now() − monotonic()` between observations.
 * A drift below `toleranceMs` (NTP slewing, timer jitter) is not a step.
 */
export class ClockWatch {
  private offset: number;
  private synced: boolean;

  constructor(
    private readonly clock: Clock,
    private readonly toleranceMs = 2000,
  ) {
    this.offset = clock.now() - clock.monotonic();
    this.synced = clock.isSynced();
  }

  /** The wall clock's offset at the previous observation (the old timeline after a step). */
  get lastOffset(): number {
    return this.offset;
  }

  observe(): ClockChange | null {
    const offset = this.clock.now() - this.clock.monotonic();
    const synced = this.clock.isSynced();
    const delta = offset - this.offset;
    const stepped = Math.abs(delta) > this.toleranceMs;
    if (!stepped && synced === this.synced) {
      this.offset = offset;
      return null;
    }
    const change = { deltaMs: stepped ? delta : 0, wasSynced: this.synced, synced };
    this.offset = offset;
    this.synced = synced;
    return change;
  }
}
