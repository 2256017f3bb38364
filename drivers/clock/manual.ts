import type { Clock, TimerHandle } from "../types.js";

interface Pending {
  readonly due: number;
  readonly order: number;
  readonly fn: () => void;
  cancelled: boolean;
}

/**
 * A clock that only moves when told to: for unit tests and benchmarks that need simulated time.
 * Timers fire in (due time, creation order) order while `advance` walks time forward.
 */
export class ManualClock implements Clock {
  private mono = 0;
  private wallOffset: number;
  private synced: boolean;
  private order = 0;
  private pending: Pending[] = [];

  constructor(opts: { wallMs?: number; synced?: boolean } = {}) {
    this.wallOffset = opts.wallMs ?? Date.UTC(2026, 10, 22, 10, 0, 0);
    this.synced = opts.synced ?? true;
  }

  now(): number {
    return this.wallOffset + this.mono;
  }

  monotonic(): number {
    return this.mono;
  }

  isSynced(): boolean {
    return this.synced;
  }

  /** Step the wall clock (as NTP or an operator would) without moving monotonic time. */
  setWall(wallMs: number, synced = this.synced): void {
    this.wallOffset = wallMs - this.mono;
    this.synced = synced;
  }

  setTimer(delayMs: number, fn: () => void): TimerHandle {
    const p: Pending = { due: this.mono + Math.max(0, delayMs), order: this.order++, fn, cancelled: false };
    this.pending.push(p);
    return {
      cancel: () => {
        p.cancelled = true;
      },
    };
  }

  /** Number of timers still waiting. */
  get timerCount(): number {
    return this.pending.filter((p) => !p.cancelled).length;
  }

  /** Move time forward by `ms`, firing due timers synchronously in order. */
  advance(ms: number): void {
    const target = this.mono + ms;
    for (let next = this.takeDue(target); next; next = this.takeDue(target)) {
      this.mono = Math.max(this.mono, next.due);
      next.fn();
    }
    this.mono = target;
  }

  /**
   * Like `advance`, but lets promise chains and I/O callbacks run after each timer (and every
   * `stepMs` of simulated time), so async services progress as they would in real time. Timers due
   * now run even when `ms` is 0.
   */
  async advanceAsync(ms: number, stepMs = 1000): Promise<void> {
    const target = this.mono + ms;
    for (;;) {
      const next = this.takeDue(Math.min(target, this.mono + stepMs));
      if (next) {
        this.mono = Math.max(this.mono, next.due);
        next.fn();
      } else if (this.mono >= target) {
        break;
      } else {
        this.mono = Math.min(target, this.mono + stepMs);
      }
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  private takeDue(limit: number): Pending | undefined {
    let best: Pending | undefined;
    for (const p of this.pending) {
      if (p.cancelled || p.due > limit) continue;
      if (!best || p.due < best.due || (p.due === best.due && p.order < best.order)) best = p;
    }
    if (best) this.pending = this.pending.filter((p) => p !== best && !p.cancelled);
    return best;
  }
}
