import type { Command } from "commander";
import { intervalFields } from "../services/metering/records.js";
import { type IntervalRow, IntervalsRepo } from "../store/intervals-repo.js";
import { EXIT, reportError, UsageError } from "./errors.js";
import { printRecords, sinceArg } from "./format.js";
import { openReadOnly } from "./sessions.js";

/** An interval as the CLI prints it: the `interval` record's fields and its seq. */
export function intervalView(r: IntervalRow) {
  return { ...intervalFields(r), seq: r.seq };
}

/** `evsed intervals [--session ID] [--since TIME] [--json|--csv]`: the EUMD intervals, oldest first. */
export function registerIntervals(program: Command): void {
  program
    .command("intervals")
    .description("list EUMD metering intervals, oldest first")
    .option("--session <id>", "only this session (the id or its first characters)")
    .option("--since <time>", "only intervals starting at or after this ISO time")
    .option("--json", "JSON lines, one interval per line")
    .option("--csv", "CSV with a header row")
    .action((opts: { session?: string; since?: string; json?: boolean; csv?: boolean }, cmd: Command) => {
      try {
        if (opts.session !== undefined && !/^[0-9a-fA-F-]{1,36}$/.test(opts.session)) {
          throw new UsageError(`--session must be a session id or its first characters, got ${opts.session}`);
        }
        const since = sinceArg(opts.since);
        const db = openReadOnly(cmd.optsWithGlobals());
        const rows = new IntervalsRepo(db)
          .list({ ...(opts.session ? { sessionId: opts.session } : {}), ...(since ? { since } : {}) })
          .map(intervalView);
        db.close();
        printRecords(rows, opts, (r) => ({
          start: r.start,
          s: r.durationS,
          session: r.sessionId?.slice(0, 8) ?? "",
          "import Wh": r.importWh,
          "export Wh": r.exportWh,
          period: r.period ?? "",
          cost: r.costMinor === null ? "" : `${r.costMinor} ${r.currency ?? ""}`.trim(),
          flags: r.flags.join(","),
        }));
        process.exitCode = EXIT.ok;
      } catch (err) {
        process.exitCode = reportError(err);
      }
    });
}
