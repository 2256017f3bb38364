import { existsSync } from "node:fs";
import { performance } from "node:perf_hooks";
import type { Clock, TimerHandle } from "../types.js";

/** Where systemd-timesyncd records that the wall clock has been synchronized. */
export const TIMESYNC_FLAG = "/run/systemd/timesync/synchronized";

/**
 * The real clock. `isSynced` asks the injected probe; by default it trusts systemd-timesyncd's flag
 * file, so a Pi without a real-time clock reports unsynchronized until NTP has answered.
 */
export class SystemClock implements Clock {
  constructor(private readonly syncProbe: () => boolean = () => existsSync(TIMESYNC_FLAG)) {}

  now(): number {
    return Date.now();
  }

  monotonic(): number {
    return performance.now();
  }

  setTimer(delayMs: number, fn: () => void): TimerHandle {
    const t = setTimeout(fn, Math.max(0, delayMs));
    return { cancel: () => clearTimeout(t) };
  }

  isSynced(): boolean {
    return this.syncProbe();
  }
}
