import type { ClosedInterval, OpenInterval } from "../core/intervals.js";
import type { Db } from "./db.js";

/** One closed metering interval, as stored. Registers in Wh; cost in 10^-7 minor units. */
export interface IntervalRow {
  readonly id: number;
  readonly session_id: string | null;
  readonly start: string;
  readonly start_ms: number;
  readonly duration_s: number;
  readonly import_wh: number;
  readonly export_wh: number;
  readonly start_register_wh: number;
  readonly end_register_wh: number;
  readonly start_export_wh: number;
  readonly end_export_wh: number;
  readonly pev_id: string | null;
  readonly premise_id: string | null;
  readonly account: string | null;
  readonly program: string | null;
  readonly tariff_id: string | null;
  readonly period: string | null;
  readonly currency: string | null;
  readonly price_e4: number | null;
  readonly cost_e7: number | null;
  readonly flags: string;
  readonly seq: number;
}

export type NewInterval = Omit<IntervalRow, "id" | "flags"> & { readonly flags: readonly string[] };

/**
 * The open interval of a session and what the session data record needs that only the metering
 * service sees: charging time, the sum of clock corrections, the vehicle's own energy count, and
 * whether the session is billed to the premise (meter lost).
 */
export interface Cursor {
  readonly open: OpenInterval;
  /** Flags given to every interval closed by the next advance (an outage, an unsynchronized stretch). */
  readonly carry: readonly string[];
  readonly chargingMs: number;
  readonly clockShiftMs: number;
  readonly vehicleEnergyWh: number | null;
  readonly billedToPremise: boolean;
}

export interface IntervalQuery {
  readonly sessionId?: string;
  /** ISO time: intervals starting at or after it. */
  readonly since?: string;
  readonly limit?: number;
}

/** The `meta` key holding the idle cursor. */
const IDLE_CURSOR_KEY = "metering.idleCursor";

/** Typed access to `intervals` and `interval_cursor`. Callers own the transactions. */
export class IntervalsRepo {
  private readonly stmts;

  constructor(db: Db) {
    this.stmts = {
      insert: db.prepare(
        `INSERT INTO intervals (session_id, start, start_ms, duration_s, import_wh, export_wh, start_register_wh, end_register_wh,
           start_export_wh, end_export_wh, pev_id, premise_id, account, program, tariff_id, period, currency, price_e4, cost_e7, flags, seq)
         VALUES (@session_id, @start, @start_ms, @duration_s, @import_wh, @export_wh, @start_register_wh, @end_register_wh,
           @start_export_wh, @end_export_wh, @pev_id, @premise_id, @account, @program, @tariff_id, @period, @currency, @price_e4, @cost_e7,
           @flags, @seq)`,
      ),
      forSession: db.prepare("SELECT * FROM intervals WHERE session_id = ? ORDER BY start_ms"),
      bySeq: db.prepare("SELECT * FROM intervals WHERE seq = ?"),
      deleteSeq: db.prepare("DELETE FROM intervals WHERE seq = ?"),
      lastEnd: db.prepare("SELECT max(start_ms + duration_s * 1000) AS e FROM intervals WHERE session_id IS ?"),
      list: db.prepare(
        `SELECT * FROM intervals WHERE (@session IS NULL OR session_id = @session OR session_id LIKE @prefix) AND start >= @since
         ORDER BY start_ms, id LIMIT @limit`,
      ),
      cursor: db.prepare("SELECT state FROM interval_cursor WHERE session_id = ?"),
      putCursor: db.prepare(
        "INSERT INTO interval_cursor (session_id, state) VALUES (?, ?) ON CONFLICT(session_id) DO UPDATE SET state = excluded.state",
      ),
      deleteCursor: db.prepare("DELETE FROM interval_cursor WHERE session_id = ?"),
      idleCursor: db.prepare("SELECT value FROM meta WHERE key = ?"),
      putIdleCursor: db.prepare("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value"),
      deleteIdleCursor: db.prepare("DELETE FROM meta WHERE key = ?"),
    };
  }

  insert(row: NewInterval): void {
    this.stmts.insert.run({ ...row, flags: JSON.stringify(row.flags) });
  }

  forSession(sessionId: string): IntervalRow[] {
    return this.stmts.forSession.all(sessionId) as IntervalRow[];
  }

  /** The intervals with these record seqs (those that exist), in time order. */
  bySeqs(seqs: readonly number[]): IntervalRow[] {
    return seqs
      .map((s) => this.stmts.bySeq.get(s) as IntervalRow | undefined)
      .filter((r): r is IntervalRow => r !== undefined)
      .sort((a, b) => a.start_ms - b.start_ms);
  }

  /** Remove the intervals with these record seqs (replaced by a clock correction). */
  deleteSeqs(seqs: readonly number[]): void {
    for (const s of seqs) this.stmts.deleteSeq.run(s);
  }

  /** End (ms) of the session's last closed interval (`null`: of the last idle interval), or null. */
  lastEnd(sessionId: string | null): number | null {
    return (this.stmts.lastEnd.get(sessionId) as { e: number | null }).e;
  }

  /** Intervals in time order; `sessionId` may be a prefix of the id (as the CLI shows it). */
  list(q: IntervalQuery = {}): IntervalRow[] {
    return this.stmts.list.all({
      session: q.sessionId ?? null,
      prefix: `${q.sessionId ?? ""}%`,
      since: q.since ?? "",
      limit: q.limit ?? -1,
    }) as IntervalRow[];
  }

  cursor(sessionId: string): Cursor | null {
    const row = this.stmts.cursor.get(sessionId) as { state: string } | undefined;
    return row ? (JSON.parse(row.state) as Cursor) : null;
  }

  putCursor(sessionId: string, cursor: Cursor): void {
    this.stmts.putCursor.run(sessionId, JSON.stringify(cursor));
  }

  deleteCursor(sessionId: string): void {
    this.stmts.deleteCursor.run(sessionId);
  }

  /**
   * The idle cursor (intervals recorded while no session is open). Kept in `meta`, because
   * `interval_cursor` rows belong to a session; same state, same transactions as a session's cursor.
   */
  idleCursor(): Cursor | null {
    const row = this.stmts.idleCursor.get(IDLE_CURSOR_KEY) as { value: string } | undefined;
    return row ? (JSON.parse(row.value) as Cursor) : null;
  }

  putIdleCursor(cursor: Cursor): void {
    this.stmts.putIdleCursor.run(IDLE_CURSOR_KEY, JSON.stringify(cursor));
  }

  deleteIdleCursor(): void {
    this.stmts.deleteIdleCursor.run(IDLE_CURSOR_KEY);
  }
}

/** A stored interval as the core sees it. */
export function closedOf(row: IntervalRow): ClosedInterval {
  return {
    startMs: row.start_ms,
    durationS: row.duration_s,
    importWh: row.import_wh,
    exportWh: row.export_wh,
    startImportWh: row.start_register_wh,
    endImportWh: row.end_register_wh,
    startExportWh: row.start_export_wh,
    endExportWh: row.end_export_wh,
    flags: JSON.parse(row.flags) as string[],
  };
}
