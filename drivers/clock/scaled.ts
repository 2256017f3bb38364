import { performance } from "node:perf_hooks";
import type { Clock, TimerHandle } from "../types.js";

/**
 * Simulated time running `speed` times faster than real time, for `evsed sim --speed N`.
 * Wall time starts at `wallOriginMs` (the simulator passes the later of the real time and the
 * simulated time it reached before a restart, so simulated time never runs backwards) and advances
 * with the scaled monotonic clock.
 */
export class ScaledClock implements Clock {
  private readonly realOrigin = performance.now();

  constructor(
    readonly speed: number,
    private readonly wallOriginMs: number = Date.now(),
  ) {
    if (!(speed > 0) || !Number.isFinite(speed)) throw new RangeError(`speed must be a positive number, got ${speed}`);
  }

  monotonic(): number {
    return (performance.now() - this.realOrigin) * this.speed;
  }

  now(): number {
    return this.wallOriginMs + this.monotonic();
  }

  setTimer(delayMs: number, fn: () => void): TimerHandle {
    const t = setTimeout(fn, Math.max(0, delayMs) / this.speed);
    return { cancel: () => clearTimeout(t) };
  }

  isSynced(): boolean {
    return true;
  }
}
