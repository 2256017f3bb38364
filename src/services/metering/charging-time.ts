import type { Clock } from "../../../drivers/types.js";

/**
 * The session's charging time (contactor closed), on the monotonic clock so wall-clock steps do not
 * change it. The metering cursor persists the total at every interval close and the ledger with its
 * running sum every 60 s; after a restart it resumes from the later of the two.
 */
export class ChargingTime {
  private since: number | null = null;
  private doneMs = 0;

  constructor(private readonly clock: Clock) {}

  /** Start counting a session from `ms` already charged; a closed contactor keeps counting from now. */
  reset(ms: number): void {
    this.doneMs = ms;
    if (this.since !== null) this.since = this.clock.monotonic();
  }

  contactor(closed: boolean): void {
    const mono = this.clock.monotonic();
    if (closed && this.since === null) this.since = mono;
    if (!closed && this.since !== null) {
      this.doneMs += mono - this.since;
      this.since = null;
    }
  }

  totalMs(): number {
    return this.doneMs + (this.since === null ? 0 : this.clock.monotonic() - this.since);
  }
}
