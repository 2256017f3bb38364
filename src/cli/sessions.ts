import { existsSync } from "node:fs";
import Database from "better-sqlite3";
import type { Command } from "commander";
import { loadConfig } from "../config/load.js";
import { maskId } from "../core/mask.js";
import type { Sdr } from "../services/metering/records.js";
import { type SessionRow, SessionsRepo } from "../store/sessions-repo.js";
import { configPath, databasePath, type GlobalOptions } from "./context.js";
import { EXIT, reportError, UsageError } from "./errors.js";
import { printRecords, sinceArg } from "./format.js";

/** A session as the CLI prints it (identifiers masked); billing fields from its session data record once ended. */
export function sessionView(r: SessionRow) {
  const sdr = r.sdr === null ? null : (JSON.parse(r.sdr) as Partial<Sdr>);
  return {
    id: r.id,
    pluggedAt: r.plugged_at,
    startedAt: r.started_at,
    endedAt: r.ended_at,
    tokenId: maskId(r.token_id),
    pevId: r.pev_id,
    startRegisterWh: r.start_register_wh,
    stopRegisterWh: r.stop_register_wh,
    energyWh:
      r.energy_wh ?? (r.start_register_wh !== null && r.last_register_wh !== null ? r.last_register_wh - r.start_register_wh : null),
    exportWh: r.export_wh,
    connectedS: sdr?.connectedS ?? null,
    chargingS: sdr?.chargingS ?? null,
    account: sdr?.account ?? null,
    program: sdr?.program ?? null,
    currency: sdr?.currency ?? null,
    costMinor: sdr?.costMinor ?? null,
    stopReason: r.stop_reason,
    flags: JSON.parse(r.flags) as string[],
  };
}

/** Open the station database read-only; a missing file is a usage error naming it. */
export function openReadOnly(global: GlobalOptions): Database.Database {
  const { config, baseDir } = loadConfig({ file: configPath(global), env: process.env });
  const path = databasePath(config, baseDir);
  if (!existsSync(path)) throw new UsageError(`${path}: no database yet (has the station run with this config?)`);
  return new Database(path, { readonly: true, fileMustExist: true });
}

export function registerSessions(program: Command): void {
  program
    .command("sessions")
    .description("list charging sessions, newest first")
    .option("-n, --limit <n>", "how many", "20")
    .option("--since <time>", "only sessions plugged in at or after this ISO time")
    .option("--json", "JSON lines, one session per line")
    .option("--csv", "CSV with a header row")
    .action((opts: { limit: string; since?: string; json?: boolean; csv?: boolean }, cmd: Command) => {
      try {
        const limit = Number(opts.limit);
        if (!Number.isInteger(limit) || limit < 1) throw new UsageError(`--limit must be a positive integer, got ${opts.limit}`);
        const since = sinceArg(opts.since);
        const db = openReadOnly(cmd.optsWithGlobals());
        const rows = new SessionsRepo(db).list({ limit, ...(since ? { since } : {}) }).map(sessionView);
        db.close();
        printRecords(rows, opts, (r) => ({
          session: r.id.slice(0, 8),
          plugged: r.pluggedAt,
          ended: r.endedAt ?? "(open)",
          token: r.tokenId ?? "",
          "energy Wh": r.energyWh ?? "",
          charging: r.chargingS === null ? "" : `${Math.round(r.chargingS / 60)} min`,
          cost: r.costMinor === null ? "" : `${r.costMinor} ${r.currency ?? ""}`.trim(),
          reason: r.stopReason ?? "",
          flags: r.flags.join(","),
        }));
        process.exitCode = EXIT.ok;
      } catch (err) {
        process.exitCode = reportError(err);
      }
    });
}
