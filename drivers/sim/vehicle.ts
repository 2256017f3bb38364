import type { Clock, TimerHandle } from "../types.js";
import { S2_CLOSE_DELAY_MS, S2_RELEASE_DELAY_MS } from "./physics.js";

/** What the vehicle's S2 switch reacts to. */
export interface S2Inputs {
  /** Plugged in, not paused, battery not full. */
  readonly wants: boolean;
  /** The vehicle sees PWM on the pilot (the EVSE offers current). */
  readonly pwmSeen: boolean;
  /** Stays in C when the PWM goes away (to exercise the EVSE's 6 s force-open rule). */
  readonly stubborn: boolean;
}

/**
 * The vehicle's S2 switch, which moves the pilot from B to C (or D). It opens at once when the vehicle
 * no longer wants to charge; it closes S2_CLOSE_DELAY_MS after PWM appears; it opens
 * S2_RELEASE_DELAY_MS after the PWM went away, unless the vehicle is stubborn.
 * A delayed move is not made by the switch itself: `onDue(closed)` is called from the timer, and the
 * owner calls `set` (after bringing its own model up to date) and `update` again.
 */
export class S2Switch {
  private isClosed = false;
  private pending: { readonly closing: boolean; readonly handle: TimerHandle } | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly onDue: (closed: boolean) => void,
  ) {}

  get closed(): boolean {
    return this.isClosed;
  }

  set(closed: boolean): void {
    this.isClosed = closed;
  }

  /** Re-evaluate after any input changed: open at once, or schedule (or cancel) a delayed move. */
  update(v: S2Inputs): void {
    if (!v.wants) this.isClosed = false;
    const settled = !v.wants || this.isClosed === v.pwmSeen || (this.isClosed && v.stubborn);
    if (settled) {
      this.cancel();
      return;
    }
    const closing = !this.isClosed;
    if (this.pending?.closing === closing) return;
    this.cancel();
    const handle = this.clock.setTimer(closing ? S2_CLOSE_DELAY_MS : S2_RELEASE_DELAY_MS, () => {
      this.pending = undefined;
      this.onDue(closing);
    });
    this.pending = { closing, handle };
  }

  /** Drop a scheduled move. */
  cancel(): void {
    this.pending?.handle.cancel();
    this.pending = undefined;
  }
}
