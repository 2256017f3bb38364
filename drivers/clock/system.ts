import { performance } from "node:perf_hooks";
import type { Clock, TimerHandle } from "../types.js";
import { syncProbe as syncProbeFor } from "./sync-probe.js";

/**
 * The real clock. `isSynced` asks the injected probe (`sync-probe.ts`, chosen by `clock.sync`); by
 * default systemd-timesyncd's flag file, so a Pi without a real-time clock reports unsynchronized until
 * NTP has answered.
 */
export class SystemClock implements Clock {
  constructor(private readonly syncProbe: () => boolean = syncProbeFor("timesyncd")) {}

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
