import type { Clock } from "../../../drivers/types.js";
import type { Bus } from "../../app/bus.js";
import type { Logger } from "../../app/log.js";
import {
  absorb,
  advance,
  type ClosedInterval,
  closeAcrossGap,
  flagClosed,
  flagOpen,
  type RegisterReading,
  rebaseline,
} from "../../core/intervals.js";
import { isoSeconds } from "../../core/time.js";
import { type Db, durably } from "../../store/db.js";
import type { Cursor, IntervalRow, IntervalsRepo } from "../../store/intervals-repo.js";
import type { Outbox } from "../../store/outbox.js";
import type { SessionRow, SessionsRepo, StampField } from "../../store/sessions-repo.js";
import type { EventRecorder } from "../events.js";
import { ChargingTime } from "./charging-time.js";
import { ClockWatch, clockEventDetail, followClockChange } from "./clock-watch.js";
import { PreSyncCorrection } from "./correction.js";
import { IDLE_OWNER, IdleIntervals, markIdle } from "./idle.js";
import { MeterHealth } from "./meter-health.js";
import { buildSdr, type Sdr, sdrContext } from "./records.js";
import { firstCursor } from "./session-cursor.js";
import type { MeteringSettings } from "./settings.js";
import { IntervalWriter } from "./writer.js";

/** A reading this long after a boundary still counts as the boundary reading (the poller reads every second). */
export const BOUNDARY_TOLERANCE_MS = 10_000;
/** A gap longer than this is not spread over intervals: the open interval moves to the present. */
const MAX_GAP_MS = 7 * 86_400_000;

export interface MeteringDeps {
  readonly db: Db;
  readonly repo: IntervalsRepo;
  readonly sessions: SessionsRepo;
  readonly outbox: Outbox;
  readonly events: EventRecorder;
  readonly bus: Bus;
  readonly clock: Clock;
  readonly log: Logger;
  readonly settings: MeteringSettings;
  readonly stationId: string;
  /** Add a flag to the open session; the session ledger owns the row. */
  flagSession(flag: string): void;
  /** Append a `session` record with event `corrected` for `row`, inside the caller's transaction (the ledger's format). */
  recordCorrected(row: SessionRow, extra: { sdr?: Sdr }): void;
  readonly notify: () => void;
}

/**
 * EUMD interval metering for the open session: clock-aligned intervals closed on the first meter reading
 * at or after each boundary, written durably with their `interval` records; the session data record at
 * session end (`sessionClosing`, called inside the ledger's closing transaction).
 *
 * - Meter silent past a boundary: the energy between the readings around the gap is split by time
 *   (`estimated`). Silent for `meterLossS`: `meterLost`, session `meterUnavailable`, billed to the
 *   premise; charging is not touched. Back: `meterRestored`.
 * - Register fell: new baseline, event `meterRegisterReset`, session flagged `registerReset`.
 * - Clock: unsynchronized, nothing closes (`clockUnsynced`); the first sync corrects what this run
 *   stamped (`correction.ts`); synchronized steps follow `followClockChange`. Every change is a `clock` event.
 * - `metering.idleIntervals`: without a session the same cursor runs with no session ID (`idle.ts`).
 */
export class MeteringService {
  private readonly writer: IntervalWriter;
  private readonly watch: ClockWatch;
  private readonly idle: IdleIntervals;
  private readonly correction: PreSyncCorrection;
  private readonly unsubscribe: (() => void)[] = [];
  private sessionId: string | null = null;
  private cursor: Cursor | null = null;
  private lastGood: RegisterReading | null = null;
  private readonly health: MeterHealth;
  private readonly charging: ChargingTime;
  private vehicleWh: number | null = null;
  private inClosingTx = false;

  constructor(private readonly deps: MeteringDeps) {
    this.writer = new IntervalWriter({ ...deps, now: () => deps.clock.now() });
    this.watch = new ClockWatch(deps.clock);
    this.idle = new IdleIntervals(deps);
    this.charging = new ChargingTime(deps.clock);
    this.health = new MeterHealth(deps.clock, () => deps.settings.meterLossMs());
    this.correction = new PreSyncCorrection({
      ...deps,
      writer: this.writer,
      sdr: (row, intervals, cursor) => this.sdrOf(row, intervals, cursor),
      recordCorrected: (row, extra) => deps.recordCorrected(row, extra),
    });
  }

  /**
   * Notice a clock change now. The ledger calls it just before its closing transaction, so that a first
   * synchronization is corrected in its own commit rather than inside the close (where a failure would
   * roll the correction back after it was forgotten).
   */
  observeClock(): void {
    this.guard(() => this.checkClock());
  }

  /** Charging time so far of `sessionId` if this service follows it, else null (saved with the ledger's running sum). */
  chargingMs(sessionId: string): number | null {
    return this.sessionId === sessionId && this.cursor ? this.charging.totalMs() : null;
  }

  /** The ledger stamped `field` of a session with wall time `wallMs`: remembered until the clock is synchronized. */
  stamped(sessionId: string, field: StampField, wallMs: number): void {
    this.correction.stamp(sessionId, field, wallMs);
  }

  start(): void {
    const { bus, sessions, stationId } = this.deps;
    if (!this.idle.enabled()) this.deps.repo.deleteIdleCursor();
    const open = sessions.findOpen(stationId);
    if (open) this.follow(open.id);
    else this.ensureCursor();
    this.unsubscribe.push(
      bus.on("session", (e) => {
        if (e.kind === "started") this.guard(() => this.follow(e.session.id));
      }),
      bus.on("meter", ({ at, reading }) =>
        this.guard(() => this.onReading({ atMs: at, importWh: reading.importWh, exportWh: reading.exportWh })),
      ),
      bus.on("meterError", () => this.guard(() => this.onMeterError())),
      bus.on("charge", (s) => this.charging.contactor(s.contactorClosed)),
      bus.on("pev", (e) => {
        if (e.kind === "energy") this.vehicleWh = e.vehicleEnergyWh;
      }),
    );
  }

  stop(): void {
    for (const u of this.unsubscribe.splice(0)) u();
  }

  /** The open interval (a session's, or the idle one's), else null: a setting change takes effect at its end (`changes.ts`). */
  openInterval(): { readonly startMs: number; readonly endMs: number } | null {
    return this.cursor?.open ?? null;
  }

  /**
   * Called by the session ledger inside the transaction that closes `row`: closes the remaining
   * intervals at the stop register and returns the session data record. Never throws.
   */
  sessionClosing(row: SessionRow): { sdr: Sdr } | undefined {
    try {
      this.inClosingTx = true;
      return this.deps.db.transaction(() => this.closeSession(row))();
    } catch (err) {
      this.deps.log.error({ err, sessionId: row.id }, "metering: could not close the session's intervals");
      return undefined;
    } finally {
      this.inClosingTx = false;
    }
  }

  private closeSession(closing: SessionRow): { sdr: Sdr } {
    const { repo, clock, sessions } = this.deps;
    this.checkClock();
    // The check may have corrected the row's times (the clock's first sync).
    const row = sessions.get(closing.id) ?? closing;
    if (this.sessionId !== row.id) this.follow(row.id);
    let c = this.cursor;
    if (c) {
      const a = c.open.anchor;
      const stop = { importWh: row.stop_register_wh ?? -1, exportWh: row.stop_export_wh ?? a.exportWh };
      const known = this.knownRegisters(c);
      const regs = stop.importWh >= a.importWh && stop.exportWh >= a.exportWh ? stop : known;
      const reading = { atMs: Math.max(clock.now(), c.open.startMs), importWh: regs.importWh, exportWh: regs.exportWh };
      this.closeUpTo(reading, true);
      c = this.cursorNow();
      repo.deleteCursor(row.id);
      if (c) this.correction.sessionClosed(row.id, c);
    }
    const sdr = this.sdrOf(row, repo.forSession(row.id), c);
    this.sessionId = null;
    this.cursor = null;
    // Idle recording resumes from the registers the session closed at.
    if (c && this.idle.enabled()) this.openIdle(c.open.anchor, true);
    return { sdr };
  }

  private sdrOf(row: SessionRow, intervals: readonly IntervalRow[], cursor: Cursor | null): Sdr {
    return buildSdr(row, intervals, cursor, sdrContext(this.deps.settings, this.deps.stationId));
  }

  private openIdle(r: RegisterReading, inTransaction: boolean): void {
    this.save(this.idle.open(r), inTransaction);
    this.correction.idleOpened(r.atMs);
  }

  private guard(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.deps.log.error({ err }, "metering: write failed");
    }
  }

  /** Take up `sessionId`: its saved cursor, or a new one from its start register. */
  private follow(sessionId: string): void {
    if (this.sessionId !== sessionId) {
      this.handOverIdle(sessionId);
      this.sessionId = sessionId;
      this.cursor = null;
      this.health.reset();
      this.vehicleWh = null;
      this.charging.reset(0);
    }
    this.ensureCursor();
  }

  /** Plug-in: close the idle cursor (if any, even one left by a crash) at the session's start registers. */
  private handOverIdle(sessionId: string): void {
    const { repo, sessions } = this.deps;
    const idle = repo.idleCursor();
    const row = idle ? sessions.get(sessionId) : undefined;
    if (!idle || !row) return;
    const start = { atMs: Date.parse(row.plugged_at), importWh: row.start_register_wh, exportWh: row.start_export_wh };
    const closed = this.idle.handOver(idle, start, BOUNDARY_TOLERANCE_MS);
    this.commit(() => {
      const seqs = this.writer.write(IDLE_OWNER, closed, false);
      repo.deleteIdleCursor();
      this.correction.idleClosed(seqs, start.atMs);
    });
    this.cursor = null;
  }

  private ensureCursor(): void {
    const { repo, sessions, clock, settings } = this.deps;
    if (this.cursor) return;
    if (!this.sessionId) {
      if (this.idle.enabled()) this.cursor = repo.idleCursor();
      return;
    }
    const saved = repo.cursor(this.sessionId);
    if (saved) {
      this.cursor = saved;
      // The cursor holds it as of the last interval close; the ledger's running sum may be later.
      this.charging.reset(Math.max(saved.chargingMs, sessions.get(this.sessionId)?.charging_ms ?? 0));
      this.vehicleWh = saved.vehicleEnergyWh;
      return;
    }
    const row = sessions.get(this.sessionId);
    if (!row || row.ended_at !== null || row.start_register_wh === null) return;
    const ctx = { synced: clock.isSynced(), nowMs: clock.now(), meterLost: this.health.isLost(), lengthAt: settings.lengthAt };
    this.save(firstCursor({ ...row, start_register_wh: row.start_register_wh }, ctx), false);
  }

  private onReading(r: RegisterReading): void {
    this.checkClock();
    this.ensureCursor();
    const restored = this.health.good();
    const c = this.cursor;
    if (!c) {
      this.lastGood = r;
      if (!this.sessionId && this.idle.enabled()) this.openIdle(r, false);
      return;
    }
    if (restored) this.deps.events.record("meterRestored", { sessionId: this.sessionId });
    const ref = this.knownRegisters(c);
    if (r.importWh < ref.importWh || r.exportWh < ref.exportWh) {
      const next = { ...c, open: rebaseline(c.open, this.lastGood, r) };
      this.deps.db.transaction(() => {
        this.save(next, true);
        this.trackRegisters(r);
      })();
      this.lastGood = r;
      this.deps.events.record("meterRegisterReset", { sessionId: this.sessionId, fromWh: ref.importWh, toWh: r.importWh });
      if (this.sessionId) this.deps.flagSession("registerReset");
      return;
    }
    this.lastGood = r;
    if (!this.deps.clock.isSynced()) {
      if (!c.carry.includes("clockUnsynced")) this.save({ ...c, carry: [...c.carry, "clockUnsynced"] }, false);
      return;
    }
    if (r.atMs - c.open.endMs > MAX_GAP_MS) {
      const res = closeAcrossGap(c.open, r, this.deps.settings.intervalS(r.atMs), ["estimated"]);
      this.writeClosed(
        res.closed.map((x) => flagClosed(x, c.carry)),
        { ...c, open: res.open, carry: [] },
      );
      return;
    }
    if (r.atMs >= c.open.endMs) this.closeUpTo(r, false);
    // Kept in memory only: after a crash the saved anchor is older, which only widens a later split.
    else this.cursor = { ...c, open: absorb(c.open, r) };
  }

  /** Fold `r` into the open interval, writing whatever it closes (durably, unless inside the ledger's close). */
  private closeUpTo(r: RegisterReading, final: boolean): void {
    const c = this.cursor as Cursor;
    const res = advance(c.open, r, { lengthS: this.deps.settings.lengthAt, toleranceMs: BOUNDARY_TOLERANCE_MS, final });
    if (res.closed.length === 0) return;
    const closed = res.closed.map((x) => flagClosed(x, c.carry));
    const open = res.open.flags.includes("estimated") ? flagOpen(res.open, c.carry) : res.open;
    this.writeClosed(closed, { ...c, open, carry: [] });
  }

  private writeClosed(closed: readonly ClosedInterval[], next: Cursor): void {
    const session = this.sessionId ? this.deps.sessions.get(this.sessionId) : IDLE_OWNER;
    if (!session) return;
    this.commit(() => {
      this.writer.write(session, session.id ? closed : markIdle(closed), next.billedToPremise);
      this.save(next, true);
      this.trackRegisters(next.open.anchor);
    });
    for (const c of closed) {
      this.deps.log.debug({ sessionId: session.id, start: isoSeconds(c.startMs), importWh: c.importWh, flags: c.flags }, "interval closed");
    }
    this.deps.notify();
  }

  private onMeterError(): void {
    const c = this.cursor;
    if (!this.sessionId) return;
    const since = this.health.failed();
    if (since === null) return;
    const carry = [...new Set([...(c?.carry ?? []), "meterUnavailable"])];
    // Without a cursor the meter has not answered since plug-in: the cursor opens billed to the premise.
    if (c) this.save({ ...c, open: flagOpen(c.open, ["meterUnavailable"]), carry, billedToPremise: true }, false);
    this.deps.events.record("meterLost", {
      sessionId: this.sessionId,
      since: isoSeconds(since),
    });
    this.deps.flagSession("meterUnavailable");
    this.deps.log.warn({ sessionId: this.sessionId }, "meter lost during a session: charging goes on, billed to the premise");
  }

  private checkClock(): void {
    const change = this.watch.observe();
    if (!change) return;
    const { clock, events, settings, repo } = this.deps;
    const now = clock.now();
    const fixed = change.synced && this.correction.pending() ? this.correction.apply((fn) => this.commit(fn)) : null;
    const detail = clockEventDetail(change, now, fixed);
    events.record("clock", detail);
    this.deps.log.info({ stepS: detail.stepS, synced: change.synced }, "wall clock changed");
    const c = this.cursor;
    if (!c) return;
    // A session whose plug-in time was corrected is on the synchronized timeline from now on.
    const replugged = this.sessionId !== null && fixed?.replugged.has(this.sessionId) === true;
    if (change.deltaMs === 0) {
      if (replugged && c.clockShiftMs !== 0) this.save({ ...c, clockShiftMs: 0 }, false);
      return;
    }
    const res = followClockChange(c, change, {
      nowMs: now,
      lengthS: settings.intervalS(now),
      notBeforeMs: repo.lastEnd(this.sessionId) ?? Number.NEGATIVE_INFINITY,
      regs: this.knownRegisters(c),
      replugged,
      maxGapMs: MAX_GAP_MS,
    });
    if (res.closed.length > 0) this.writeClosed(res.closed, res.next);
    else this.save(res.next, false);
  }

  /**
   * The session's last known register follows the cursor (in the caller's transaction), so that a crash
   * before the next running sum never closes the session below its intervals, or at a replaced meter's.
   */
  private trackRegisters(r: { readonly importWh: number; readonly exportWh: number }): void {
    if (this.sessionId) this.deps.sessions.progress(this.sessionId, r.importWh, r.exportWh, this.charging.totalMs());
  }

  /** The last good reading if it is not below the open interval's anchor, else the anchor. */
  private knownRegisters(c: Cursor): RegisterReading {
    const a = c.open.anchor;
    const g = this.lastGood;
    return g && g.importWh >= a.importWh && g.exportWh >= a.exportWh ? g : a;
  }

  /** The cursor with the live charging time and vehicle count. */
  private cursorNow(): Cursor | null {
    const c = this.cursor;
    if (!c) return null;
    return { ...c, chargingMs: this.charging.totalMs(), vehicleEnergyWh: this.vehicleWh };
  }

  private save(next: Cursor, inTransaction: boolean): void {
    this.cursor = next;
    const id = this.sessionId;
    const write = () => (id ? this.deps.repo.putCursor(id, this.cursorNow() as Cursor) : this.deps.repo.putIdleCursor(next));
    if (inTransaction) write();
    else this.deps.db.transaction(write)();
  }

  private commit(fn: () => void): void {
    if (this.inClosingTx) this.deps.db.transaction(fn)();
    else durably(this.deps.db, fn);
  }
}
