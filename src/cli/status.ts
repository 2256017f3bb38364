import type { Command } from "commander";
import type { StoredStatus } from "../services/status-recorder.js";
import { EXIT, reportError } from "./errors.js";
import { openReadOnly } from "./sessions.js";

export function registerStatus(program: Command): void {
  program
    .command("status")
    .description("show the station's last recorded status, open session and outbox queue")
    .option("--json", "print JSON")
    .action((opts: { json?: boolean }, cmd: Command) => {
      try {
        const db = openReadOnly(cmd.optsWithGlobals());
        const raw = (db.prepare("SELECT value FROM meta WHERE key = 'status'").get() as { value: string } | undefined)?.value;
        const queued = (db.prepare("SELECT count(*) AS n FROM outbox").get() as { n: number }).n;
        const clean = (db.prepare("SELECT value FROM meta WHERE key = 'cleanShutdown'").get() as { value: string } | undefined)?.value;
        db.close();
        const status = raw ? (JSON.parse(raw) as StoredStatus) : null;
        const running = status !== null && clean === "0" && isAlive(status.pid);
        if (opts.json) {
          process.stdout.write(`${JSON.stringify({ running, status, outboxQueued: queued })}\n`);
        } else if (!status) {
          process.stdout.write("no status recorded yet\n");
        } else {
          const lines = [
            `station    ${status.stationId} (${running ? `running, pid ${status.pid}` : "not running"})`,
            `status     ${status.status} at ${status.ts}`,
            `pilot      ${status.pilot ?? "unknown"}, offering ${status.offeredA} A, contactor ${status.contactor}`,
            `faults     ${status.faults.length ? status.faults.join(", ") : "none"}`,
            `session    ${status.session ? `${status.session.id} since ${status.session.pluggedAt}, ${status.session.energyWh} Wh` : "none"}`,
            `outbox     ${queued} record(s) waiting to be sent`,
          ];
          process.stdout.write(`${lines.join("\n")}\n`);
        }
        process.exitCode = EXIT.ok;
      } catch (err) {
        process.exitCode = reportError(err);
      }
    });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
