import type { Clock, Meter, MeterReading, TimerHandle } from "../../drivers/types.js";
import type { Bus } from "../app/bus.js";
import type { Logger } from "../app/log.js";

/**
 * Polls the EUMD at a fixed period and publishes readings on the bus. Every read — the periodic one
 * and `readNow` — goes through one queue, so a meter on a shared RS-485 bus never sees two requests
 * at once. A failed read publishes `meterError` with the count of consecutive failures.
 */
export class MeterPoller {
  private queue: Promise<unknown> = Promise.resolve();
  private timer: TimerHandle | null = null;
  private last: { at: number; reading: MeterReading } | null = null;
  private failures = 0;
  private running = false;

  constructor(private readonly deps: { meter: Meter; clock: Clock; bus: Bus; log: Logger; pollIntervalMs: number }) {}

  start(): void {
    this.running = true;
    this.schedule(0);
  }

  stop(): Promise<void> {
    this.running = false;
    this.timer?.cancel();
    this.timer = null;
    return this.queue.then(
      () => undefined,
      () => undefined,
    );
  }

  /** The newest good reading and its wall-clock time, if any. */
  latest(): { at: number; reading: MeterReading } | null {
    return this.last;
  }

  /** A fresh reading now (queued behind any read in progress); null if the meter does not answer. */
  readNow(): Promise<MeterReading | null> {
    const p = this.queue.then(() => this.readOnce());
    this.queue = p.catch(() => undefined);
    return p;
  }

  private schedule(delayMs: number): void {
    if (!this.running) return;
    this.timer = this.deps.clock.setTimer(delayMs, () => {
      this.timer = null;
      void this.readNow().finally(() => this.schedule(this.deps.pollIntervalMs));
    });
  }

  private async readOnce(): Promise<MeterReading | null> {
    try {
      const reading = await this.deps.meter.read();
      const at = this.deps.clock.now();
      if (this.failures > 0) this.deps.log.info({ after: this.failures }, "meter answers again");
      this.failures = 0;
      this.last = { at, reading };
      this.deps.bus.emit("meter", { at, reading });
      return reading;
    } catch (err) {
      this.failures++;
      const error = err instanceof Error ? err.message : String(err);
      if (this.failures === 1) this.deps.log.warn({ err: error }, "meter read failed");
      this.deps.bus.emit("meterError", { at: this.deps.clock.now(), error, consecutive: this.failures });
      return null;
    }
  }
}
