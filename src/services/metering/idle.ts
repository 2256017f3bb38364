import type { Clock } from "../../../drivers/types.js";
import { advance, type ClosedInterval, openAt, type RegisterReading } from "../../core/intervals.js";
import type { Cursor, IntervalsRepo } from "../../store/intervals-repo.js";
import type { MeteringSettings } from "./settings.js";

/** Flag on every interval recorded while no session is open. */
export const IDLE_FLAG = "idle";

/** Whom an idle interval belongs to: no session, no vehicle (`session_id` NULL). */
export interface IdleOwner {
  readonly id: null;
  readonly pev_id: null;
}

export const IDLE_OWNER: IdleOwner = Object.freeze({ id: null, pev_id: null });

/** The session's start as the idle cursor sees it: plug-in time and start registers (null: no meter reading). */
export interface SessionStart {
  readonly atMs: number;
  readonly importWh: number | null;
  readonly exportWh: number | null;
}

/**
 * Idle intervals (`metering.idleIntervals`, off by default): while no session is open, the metering
 * service runs the same clock-aligned cursor as for a session, with no session ID, every interval flagged
 * `idle`. This class holds what differs from a session's cursor; the service owns the writes.
 *
 * Contracts:
 * - An idle cursor opens at a meter reading (or at a session's stop registers), never before the end of
 *   the last idle interval already written, so no idle interval is stamped twice.
 * - At plug-in the idle interval in progress closes at the session's start registers (`handOver`); the
 *   session's intervals start from the same registers, so idle and session Wh add up exactly to the
 *   register difference over any span. Registers below the idle anchor are never used: no negative Wh.
 * - The cursor is persisted (`IntervalsRepo.idleCursor`) in the same transactions as its intervals;
 *   after a restart it resumes, and a session found open closes the idle cursor left behind.
 */
export class IdleIntervals {
  constructor(private readonly deps: { readonly repo: IntervalsRepo; readonly settings: MeteringSettings; readonly clock: Clock }) {}

  enabled(): boolean {
    return this.deps.settings.idleIntervals();
  }

  /** A fresh idle cursor anchored at `r`; flagged `clockUnsynced` while the clock is not synchronized. */
  open(r: RegisterReading): Cursor {
    const { repo, settings, clock } = this.deps;
    const flags = clock.isSynced() ? [] : ["clockUnsynced"];
    const notBefore = repo.lastEnd(null) ?? Number.NEGATIVE_INFINITY;
    const open = openAt(r, settings.intervalS(r.atMs), flags, notBefore);
    return { open, carry: flags, chargingMs: 0, clockShiftMs: 0, vehicleEnergyWh: null, billedToPremise: false };
  }

  /**
   * Close idle cursor `c` at the start of a session: the interval in progress (and any whose boundary was
   * missed, split by time as usual) closes at the session's start registers — or at the anchor's when
   * those are missing or lower. Returns the intervals to write, flagged `idle`.
   */
  handOver(c: Cursor, start: SessionStart, toleranceMs: number): ClosedInterval[] {
    const a = c.open.anchor;
    const imp = start.importWh;
    const exp = start.exportWh ?? a.exportWh;
    const regs = imp !== null && imp >= a.importWh && exp >= a.exportWh ? { importWh: imp, exportWh: exp } : a;
    const reading = { atMs: Math.max(start.atMs, c.open.startMs), importWh: regs.importWh, exportWh: regs.exportWh };
    const res = advance(c.open, reading, { lengthS: this.deps.settings.lengthAt, toleranceMs, final: true });
    return markIdle(res.closed, c.carry);
  }
}

/** `closed` with the `idle` flag and `carry`. */
export function markIdle(closed: readonly ClosedInterval[], carry: readonly string[] = []): ClosedInterval[] {
  return closed.map((x) => ({ ...x, flags: [...new Set([...x.flags, ...carry, IDLE_FLAG])] }));
}
