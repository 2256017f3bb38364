import type { Db } from "./db.js";

/** One row per plug-in. Registers are the EUMD's cumulative counters in Wh. */
export interface SessionRow {
  readonly id: string;
  readonly station_id: string;
  readonly plugged_at: string;
  readonly started_at: string | null;
  readonly ended_at: string | null;
  readonly token_id: string | null;
  readonly pev_id: string | null;
  readonly authorized: number;
  readonly start_register_wh: number | null;
  readonly last_register_wh: number | null;
  readonly stop_register_wh: number | null;
  readonly start_export_wh: number | null;
  readonly last_export_wh: number | null;
  readonly stop_export_wh: number | null;
  readonly energy_wh: number | null;
  readonly export_wh: number | null;
  readonly stop_reason: string | null;
  readonly flags: string;
  /** Charging time (contactor closed) so far, saved with the running sum; null before the first save. */
  readonly charging_ms: number | null;
  /** The session data record (JSON) of an ended session, as last sent; null while open. */
  readonly sdr: string | null;
}

/** The timestamps of a session row that the ledger stamps from the wall clock. */
export type StampField = "plugged_at" | "started_at" | "ended_at";

export interface SessionQuery {
  readonly limit?: number;
  /** ISO time: sessions plugged in at or after it. */
  readonly since?: string;
}

/** Typed access to the `sessions` table. Callers own the transactions. */
export class SessionsRepo {
  private readonly stmts;

  constructor(private readonly db: Db) {
    this.stmts = {
      open: db.prepare("SELECT * FROM sessions WHERE station_id = ? AND ended_at IS NULL"),
      byId: db.prepare("SELECT * FROM sessions WHERE id = ?"),
      insert: db.prepare(
        `INSERT INTO sessions (id, station_id, plugged_at, start_register_wh, last_register_wh, start_export_wh, last_export_wh, flags)
         VALUES (@id, @station_id, @plugged_at, @start_register_wh, @start_register_wh, @start_export_wh, @start_export_wh, @flags)`,
      ),
      authorize: db.prepare(
        "UPDATE sessions SET authorized = 1, token_id = ?, started_at = coalesce(started_at, ?) WHERE id = ? AND ended_at IS NULL",
      ),
      pev: db.prepare("UPDATE sessions SET pev_id = ? WHERE id = ? AND ended_at IS NULL"),
      baseline: db.prepare(
        "UPDATE sessions SET start_register_wh = ?, start_export_wh = ?, last_register_wh = ?, last_export_wh = ? WHERE id = ? AND start_register_wh IS NULL",
      ),
      progress: db.prepare(
        "UPDATE sessions SET last_register_wh = ?, last_export_wh = ?, charging_ms = coalesce(?, charging_ms) WHERE id = ? AND ended_at IS NULL",
      ),
      flags: db.prepare("UPDATE sessions SET flags = ? WHERE id = ?"),
      close: db.prepare(
        `UPDATE sessions SET ended_at = @ended_at, stop_register_wh = @stop_register_wh, stop_export_wh = @stop_export_wh,
           last_register_wh = coalesce(@stop_register_wh, last_register_wh), last_export_wh = coalesce(@stop_export_wh, last_export_wh),
           energy_wh = @energy_wh, export_wh = @export_wh, stop_reason = @stop_reason, flags = @flags
         WHERE id = @id AND ended_at IS NULL`,
      ),
      restamp: db.prepare(
        `UPDATE sessions SET plugged_at = coalesce(@plugged_at, plugged_at), started_at = coalesce(@started_at, started_at),
           ended_at = coalesce(@ended_at, ended_at), flags = @flags WHERE id = @id`,
      ),
      energy: db.prepare("UPDATE sessions SET energy_wh = ?, export_wh = ? WHERE id = ?"),
      sdr: db.prepare("UPDATE sessions SET sdr = ? WHERE id = ?"),
      list: db.prepare("SELECT * FROM sessions WHERE plugged_at >= ? ORDER BY plugged_at DESC, rowid DESC LIMIT ?"),
    };
  }

  findOpen(stationId: string): SessionRow | null {
    return (this.stmts.open.get(stationId) as SessionRow | undefined) ?? null;
  }

  get(id: string): SessionRow | null {
    return (this.stmts.byId.get(id) as SessionRow | undefined) ?? null;
  }

  insert(row: {
    id: string;
    station_id: string;
    plugged_at: string;
    start_register_wh: number | null;
    start_export_wh: number | null;
    flags: string[];
  }): void {
    this.stmts.insert.run({ ...row, flags: JSON.stringify(row.flags) });
  }

  authorize(id: string, tokenId: string | null, startedAt: string): void {
    this.stmts.authorize.run(tokenId, startedAt, id);
  }

  setPev(id: string, pevId: string): void {
    this.stmts.pev.run(pevId, id);
  }

  /** Fill in the start registers of a session that began without a meter reading. */
  setBaseline(id: string, importWh: number, exportWh: number): void {
    this.stmts.baseline.run(importWh, exportWh, importWh, exportWh, id);
  }

  /** The running sum: registers so far and, when known, the charging time so far. */
  progress(id: string, importWh: number, exportWh: number, chargingMs: number | null = null): void {
    this.stmts.progress.run(importWh, exportWh, chargingMs, id);
  }

  setFlags(id: string, flags: readonly string[]): void {
    this.stmts.flags.run(JSON.stringify(flags), id);
  }

  /** Close an open session; returns false if it was already closed (never a second stop). */
  close(row: {
    id: string;
    ended_at: string;
    stop_register_wh: number | null;
    stop_export_wh: number | null;
    energy_wh: number | null;
    export_wh: number | null;
    stop_reason: string;
    flags: readonly string[];
  }): boolean {
    return this.stmts.close.run({ ...row, flags: JSON.stringify(row.flags) }).changes === 1;
  }

  /** Replace a closed session's energy (the interval sum, where a meter reset broke the register difference). */
  /** Replace the given timestamps (a clock correction) and the flags. */
  restamp(id: string, stamps: Partial<Record<StampField, string>>, flags: readonly string[]): void {
    this.stmts.restamp.run({
      id,
      plugged_at: stamps.plugged_at ?? null,
      started_at: stamps.started_at ?? null,
      ended_at: stamps.ended_at ?? null,
      flags: JSON.stringify(flags),
    });
  }

  setEnergy(id: string, energyWh: number, exportWh: number): void {
    this.stmts.energy.run(energyWh, exportWh, id);
  }

  /** Keep the session data record sent for `id` (at the end, and again when corrected). */
  setSdr(id: string, sdr: object): void {
    this.stmts.sdr.run(JSON.stringify(sdr), id);
  }

  list(q: SessionQuery = {}): SessionRow[] {
    return this.stmts.list.all(q.since ?? "", q.limit ?? 50) as SessionRow[];
  }

  get database(): Db {
    return this.db;
  }
}
