import type { Clock } from "../../../drivers/types.js";
import type { Logger } from "../../app/log.js";
import { type ClosedInterval, regrid } from "../../core/intervals.js";
import { isoSeconds } from "../../core/time.js";
import { type Cursor, closedOf, type IntervalRow, type IntervalsRepo } from "../../store/intervals-repo.js";
import type { SessionRow, SessionsRepo, StampField } from "../../store/sessions-repo.js";
import { IDLE_FLAG, IDLE_OWNER } from "./idle.js";
import type { Sdr } from "./records.js";
import type { MeteringSettings } from "./settings.js";
import type { IntervalWriter } from "./writer.js";

/** Flag on a record whose times were corrected after the clock's first synchronization. */
export const CLOCK_CORRECTED = "clockCorrected";
/** A stamp that moves by no more than this is left alone (the clock was right; a sync just confirmed it). */
const NEGLIGIBLE_MS = 2000;
/**
 * Sessions (and idle stretches) remembered at most: a clock that never reports synchronization (no
 * timesyncd flag) must not grow memory without bound. The oldest are dropped and stay uncorrected.
 */
export const MAX_REMEMBERED = 500;

export interface CorrectionDeps {
  readonly repo: IntervalsRepo;
  readonly sessions: SessionsRepo;
  readonly writer: IntervalWriter;
  readonly settings: MeteringSettings;
  readonly clock: Clock;
  readonly log: Logger;
  /** The session data record of a closed session from its (corrected) row, intervals and closing cursor. */
  sdr(row: SessionRow, intervals: readonly IntervalRow[], cursor: Cursor): Sdr;
  /** Append a `session` record with event `corrected` for `row` (inside the caller's transaction). */
  recordCorrected(row: SessionRow, extra: { sdr?: Sdr }): void;
}

export interface CorrectionResult {
  /** Sessions whose plug-in time moved onto the synchronized timeline. */
  readonly replugged: ReadonlySet<string>;
  readonly sessions: number;
  readonly intervals: number;
}

interface IdleBatch {
  readonly seqs: readonly number[];
  readonly fromMono: number;
  readonly toMono: number;
  /** The closing time as stamped (to see whether the sync moved it at all). */
  readonly toWall: number;
}

/**
 * Corrects, at the clock's first synchronization, the times of what this run stamped before it.
 *
 * Every wall-clock stamp made before the sync is remembered as a monotonic instant (stamp − the wall
 * clock's offset then). At the sync, each is re-stamped as that monotonic instant plus the synchronized
 * offset; this is exact whatever steps the unsynchronized clock took in between. In one transaction:
 * - the session rows get their corrected plug-in, authorization and end times and the flag `clockCorrected`,
 *   and a `session` record with event `corrected` (with the corrected `sdr` for a session that ended);
 * - the intervals of a session that ended before the sync, and idle intervals written before it, are laid
 *   on the corrected grid again (`regrid`: same Wh, same registers) and sent as new `interval` records
 *   flagged `clockUnsynced` and `clockCorrected`, each carrying `supersedes`: the seqs of the records they
 *   replace. The replaced rows are deleted, so SQLite holds what the utility should bill.
 *
 * Only this process's stamps can be corrected: after a restart the monotonic clock starts again, so
 * records made before a crash keep their `clockUnsynced` flag and their times. A clock that was
 * synchronized at start never makes this active.
 */
export class PreSyncCorrection {
  private active: boolean;
  private readonly stamps = new Map<string, Partial<Record<StampField, number>>>();
  private readonly closed = new Map<string, Cursor>();
  private idleFromMono: number | null = null;
  private readonly idleBatches: IdleBatch[] = [];

  constructor(private readonly deps: CorrectionDeps) {
    this.active = !deps.clock.isSynced();
  }

  /** True until the first synchronization has been handled. */
  pending(): boolean {
    return this.active;
  }

  /**
   * The ledger stamped `field` of `sessionId` with wall time `wallMs` (just now). A session is followed
   * from its plug-in (or its close, for one recovered from an earlier run); stamps of a session no longer
   * followed (dropped by the cap) are ignored, so none is ever half corrected.
   */
  stamp(sessionId: string, field: StampField, wallMs: number): void {
    if (!this.active) return;
    const s = this.stamps.get(sessionId) ?? (field === "plugged_at" ? this.follow(sessionId) : undefined);
    if (s) s[field] = this.mono(wallMs);
  }

  /** A session closed before the sync, with its final cursor (charging time, vehicle count, billing). */
  sessionClosed(sessionId: string, cursor: Cursor): void {
    if (!this.active) return;
    if (!this.stamps.has(sessionId)) this.follow(sessionId);
    this.closed.set(sessionId, cursor);
  }

  private follow(sessionId: string): Partial<Record<StampField, number>> {
    const s = {};
    this.stamps.set(sessionId, s);
    if (this.stamps.size > MAX_REMEMBERED) {
      const oldest = this.stamps.keys().next().value as string;
      this.stamps.delete(oldest);
      this.closed.delete(oldest);
    }
    return s;
  }

  /** An idle cursor opened before the sync, anchored at wall time `atMs` on the current timeline. */
  idleOpened(atMs: number): void {
    if (this.active) this.idleFromMono = this.mono(atMs);
  }

  /** Idle intervals `seqs` written before the sync, closing at wall time `toMs`; those of a cursor opened by this run only. */
  idleClosed(seqs: readonly number[], toMs: number): void {
    if (!this.active) return;
    if (this.idleFromMono !== null && seqs.length > 0)
      this.idleBatches.push({ seqs, fromMono: this.idleFromMono, toMono: this.mono(toMs), toWall: toMs });
    if (this.idleBatches.length > MAX_REMEMBERED) this.idleBatches.shift();
    this.idleFromMono = null;
  }

  /**
   * The clock is synchronized: correct everything stamped before, inside `transact` (a durable
   * transaction, or the caller's). Runs once; afterwards nothing is remembered. On a write failure nothing
   * changes (the transaction rolls back) and the records keep their `clockUnsynced` times.
   */
  apply(transact: (fn: () => void) => void): CorrectionResult {
    const empty: CorrectionResult = { replugged: new Set(), sessions: 0, intervals: 0 };
    if (!this.active) return empty;
    this.active = false;
    const offset = this.deps.clock.now() - this.deps.clock.monotonic();
    let result = empty;
    try {
      transact(() => {
        result = this.correct(offset);
      });
    } catch (err) {
      this.deps.log.error({ err }, "clock correction failed: records keep their unsynchronized times");
      result = empty;
    }
    this.stamps.clear();
    this.closed.clear();
    this.idleBatches.length = 0;
    this.idleFromMono = null;
    return result;
  }

  private correct(offset: number): CorrectionResult {
    const { sessions, repo } = this.deps;
    const replugged = new Set<string>();
    let nSessions = 0;
    let nIntervals = 0;
    // Idle batches: all their old rows go first, so a corrected batch never lands on a row not yet
    // replaced; then each is laid again in order, never before an idle interval already on the grid.
    const idle = this.idleBatches
      .map((b) => ({ b, rows: repo.bySeqs(b.seqs) }))
      .filter(({ b, rows }) => rows.length > 0 && Math.abs(b.toMono + offset - b.toWall) > NEGLIGIBLE_MS);
    for (const { rows } of idle) repo.deleteSeqs(rows.map((r) => r.seq));
    let idleNotBefore = repo.lastEnd(null) ?? Number.NEGATIVE_INFINITY;
    for (const { b, rows } of idle) {
      const next = this.replace(
        rows,
        { fromMs: b.fromMono + offset, toMs: b.toMono + offset, notBeforeMs: idleNotBefore },
        IDLE_OWNER,
        false,
      );
      nIntervals += next.length;
      const last = next[next.length - 1];
      if (last) idleNotBefore = last.startMs + last.durationS * 1000;
    }
    for (const [id, stamps] of this.stamps) {
      const row = sessions.get(id);
      if (!row) continue;
      const moved: Partial<Record<StampField, string>> = {};
      for (const [field, mono] of Object.entries(stamps) as [StampField, number][]) {
        const was = row[field];
        const now = mono + offset;
        if (was !== null && Math.abs(Date.parse(was) - now) > NEGLIGIBLE_MS) moved[field] = isoSeconds(now);
      }
      if (Object.keys(moved).length === 0) continue;
      const flags = [...new Set([...(JSON.parse(row.flags) as string[]), "clockUnsynced", CLOCK_CORRECTED])];
      sessions.restamp(id, moved, flags);
      if (moved.plugged_at !== undefined) replugged.add(id);
      const cursor = this.closed.get(id);
      const extra: { sdr?: Sdr } = {};
      if (cursor) {
        const plug = stamps.plugged_at;
        const end = stamps.ended_at;
        const rows = repo.forSession(id);
        if (plug !== undefined && end !== undefined && rows.length > 0) {
          nIntervals += this.replace(rows, { fromMs: plug + offset, toMs: end + offset }, row, cursor.billedToPremise).length;
        }
        const corrected = sessions.get(id) as SessionRow;
        extra.sdr = this.deps.sdr(corrected, repo.forSession(id), plug === undefined ? cursor : { ...cursor, clockShiftMs: 0 });
      }
      this.deps.recordCorrected(sessions.get(id) as SessionRow, extra);
      nSessions++;
    }
    if (nSessions + nIntervals > 0)
      this.deps.log.info({ sessions: nSessions, intervals: nIntervals }, "times stamped before the clock sync corrected");
    return { replugged, sessions: nSessions, intervals: nIntervals };
  }

  /** Replace `rows` by the same energy on the corrected grid over `span`; returns the new intervals. */
  private replace(
    rows: readonly IntervalRow[],
    span: { fromMs: number; toMs: number; notBeforeMs?: number },
    owner: Pick<SessionRow, "id" | "pev_id"> | typeof IDLE_OWNER,
    billedToPremise: boolean,
  ): ClosedInterval[] {
    const { repo, writer, settings } = this.deps;
    const extra = owner.id === null ? ["clockUnsynced", CLOCK_CORRECTED, IDLE_FLAG] : ["clockUnsynced", CLOCK_CORRECTED];
    const next = regrid(rows.map(closedOf), span, settings.intervalS(), extra);
    const supersedes = rows.map((r) => r.seq);
    repo.deleteSeqs(supersedes); // a no-op for rows already deleted
    writer.write(owner, next, billedToPremise, { supersedes });
    return next;
  }

  private mono(wallMs: number): number {
    return wallMs - (this.deps.clock.now() - this.deps.clock.monotonic());
  }
}
