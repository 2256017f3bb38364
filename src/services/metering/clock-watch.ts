import type { Clock } from "../../../drivers/types.js";
import { type ClosedInterval, closeAcrossGap, flagClosed, flagOpen, shiftOpen, stepForward } from "../../core/intervals.js";
import { isoSeconds } from "../../core/time.js";
import type { Cursor } from "../../store/intervals-repo.js";

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

/** The `clock` event's detail for `change`, seen at `nowMs`, with what the first sync corrected. */
export function clockEventDetail(change: ClockChange, nowMs: number, fixed: { sessions: number; intervals: number } | null) {
  return {
    reason: change.deltaMs === 0 ? "synced" : "step",
    fromTs: isoSeconds(nowMs - change.deltaMs),
    toTs: isoSeconds(nowMs),
    stepS: Math.round(change.deltaMs / 1000),
    synced: change.synced,
    ...(fixed ? { correctedSessions: fixed.sessions, correctedIntervals: fixed.intervals } : {}),
  };
}

/** Where a cursor goes after a clock change: its next state and the intervals to write (carry applied). */
export interface ClockFollow {
  readonly next: Cursor;
  readonly closed: readonly ClosedInterval[];
}

/**
 * Where a metering cursor goes when the wall clock moved by `change.deltaMs` (≠ 0), now at `nowMs` (pure).
 * - Not synchronized before: the open interval moves onto the new timeline (`shiftOpen`), never before
 *   `notBeforeMs` (the owner's last closed interval), and stays flagged `clockUnsynced`.
 * - Synchronized, stepping back: the open interval is held (`clockStepped`) until its end comes round.
 * - Synchronized, stepping forward: it closes at once at `regs` and the skipped intervals get 0 Wh
 *   (`stepForward`). A step longer than `maxGapMs` is not filled: the open interval closes at its end and
 *   the present one opens (`clockStepped`), as for a meter silent that long.
 * `clockShiftMs` (what the session data record adds to the plug-in time) grows by the step, unless
 * `replugged`: the session's stamps were just corrected onto this timeline.
 */
export function followClockChange(
  c: Cursor,
  change: ClockChange,
  ctx: {
    readonly nowMs: number;
    readonly lengthS: number;
    readonly notBeforeMs: number;
    readonly regs: { readonly importWh: number; readonly exportWh: number };
    readonly replugged: boolean;
    readonly maxGapMs: number;
  },
): ClockFollow {
  const clockShiftMs = ctx.replugged ? 0 : c.clockShiftMs + change.deltaMs;
  const { lengthS } = ctx;
  if (!change.wasSynced) {
    const carry = [...new Set([...c.carry, "clockUnsynced"])];
    return { next: { ...c, open: shiftOpen(c.open, change.deltaMs, lengthS, ctx.notBeforeMs), carry, clockShiftMs }, closed: [] };
  }
  if (change.deltaMs < 0) return { next: { ...c, open: flagOpen(c.open, ["clockStepped"]), clockShiftMs }, closed: [] };
  const carried = (xs: readonly ClosedInterval[]) => xs.map((x) => flagClosed(x, c.carry));
  if (change.deltaMs > ctx.maxGapMs) {
    const res = closeAcrossGap(c.open, { ...ctx.regs, atMs: ctx.nowMs }, lengthS, ["clockStepped"]);
    return { next: { ...c, open: res.open, carry: [], clockShiftMs }, closed: carried(res.closed) };
  }
  const res = stepForward(c.open, ctx.regs, ctx.nowMs, lengthS);
  // A step inside the open interval closes nothing: what is carried for it stays until it closes.
  const carry = res.closed.length > 0 ? [] : c.carry;
  return { next: { ...c, open: res.open, carry, clockShiftMs }, closed: carried(res.closed) };
}
