import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { readWorldFile, writeWorldFile } from "../../../drivers/sim/index.js";
import { EvsedProcess, tempDir } from "../../helpers/cli.js";

/**
 * SIGKILL the daemon at the moments that matter — idle, just after plug-in, mid-charge, during the
 * stop — restart it each time on the same SQLite file and simulated hardware, and check the ledger.
 */

const SCENARIO = `
repeat: true
steps:
  - { do: draw, amps: 32 }
  - { wait: 30 }
  - { do: plug }
  - { wait: 5 }
  - { do: token, id: "04A1B2C3D4" }
  - { wait: 600 }
  - { do: unplug }
  - { wait: 20 }
`;

const CONFIG = `
stationId: crash-1
dataDir: ./var
authorization:
  testTokens: ["04A1B2C3D4"]
sim:
  speed: 30
  scenario: scenario.yaml
`;

let running: EvsedProcess | null = null;
afterEach(async () => {
  if (running && running.child.exitCode === null) await running.kill("SIGKILL");
  running = null;
});

function start(dir: string): EvsedProcess {
  running = new EvsedProcess(["--log-level", "debug", "run"], { cwd: dir });
  return running;
}

function integrityOk(dbFile: string): void {
  const db = new Database(dbFile, { readonly: true });
  try {
    expect(db.pragma("integrity_check", { simple: true })).toBe("ok");
  } finally {
    db.close();
  }
}

/** Resolves once the simulated meter's register passed `wh` (the world file is the hardware). */
async function registerAbove(worldFile: string, wh: number, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const w = existsSync(worldFile) ? readWorldFile(worldFile) : undefined;
    if (w && w.importWh > wh) return;
    if (Date.now() > end) throw new Error(`meter register stayed at or below ${wh} Wh`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

interface Row {
  id: string;
  ended_at: string | null;
  start_register_wh: number | null;
  stop_register_wh: number | null;
  energy_wh: number | null;
  stop_reason: string | null;
}

describe("crash recovery of the session ledger", () => {
  it("keeps exactly one session per plug-in, energy from registers, PowerLoss only where the vehicle left", async () => {
    const dir = tempDir("evsed-crash-");
    writeFileSync(join(dir, "evsed.yaml"), CONFIG);
    writeFileSync(join(dir, "scenario.yaml"), SCENARIO);
    const dbFile = join(dir, "var", "evsed.db");
    const worldFile = join(dir, "var", "sim-world.json");

    // 1. Idle: killed before any vehicle arrives.
    let p = start(dir);
    await p.waitForMsg("running; Ctrl-C to stop");
    await p.kill("SIGKILL");
    integrityOk(dbFile);

    // 2. Just after plug-in.
    p = start(dir);
    const started = await p.waitForMsg("session started");
    const first = started.sessionId as string;
    await p.kill("SIGKILL");
    integrityOk(dbFile);

    // 3. Mid-charge: the vehicle stays; the same session continues.
    p = start(dir);
    const cont = await p.waitForMsg("vehicle still plugged in: continuing the session");
    expect(cont.sessionId).toBe(first);
    await p.waitForMsg("contactor closed");
    await registerAbove(worldFile, (readWorldFile(worldFile)?.importWh ?? 0) + 200);
    await p.kill("SIGKILL");
    integrityOk(dbFile);

    // 4. During the stop: killed as the vehicle unplugs.
    p = start(dir);
    expect((await p.waitForMsg("vehicle still plugged in: continuing the session")).sessionId).toBe(first);
    await p.waitForMsg("contactor closed");
    await p.waitForMsg("sim: unplug", 60_000);
    await p.kill("SIGKILL");
    integrityOk(dbFile);

    // 5. The next plug-in charges; killed mid-charge, and the vehicle leaves while evsed is down.
    p = start(dir);
    const second = (await p.waitFor((l) => l.msg === "session started" && l.sessionId !== first, 60_000, "a second session"))
      .sessionId as string;
    await p.waitForMsg("contactor closed", 30_000, p.lineCount);
    await registerAbove(worldFile, (readWorldFile(worldFile)?.importWh ?? 0) + 200);
    await p.kill("SIGKILL");
    const world = readWorldFile(worldFile);
    if (!world) throw new Error("no world file");
    writeWorldFile(worldFile, { ...world, plugged: false });
    const plugIns = world.plugIns;

    // 6. Recovery closes the second session with PowerLoss; then a clean stop.
    p = start(dir);
    const ended = await p.waitFor((l) => l.msg === "session ended" && l.sessionId === second, 30_000, "PowerLoss close");
    expect(ended.reason).toBe("PowerLoss");
    expect((await p.kill("SIGTERM")).code).toBe(0);
    integrityOk(dbFile);

    const db = new Database(dbFile, { readonly: true });
    const rows = db.prepare("SELECT * FROM sessions ORDER BY plugged_at, rowid").all() as Row[];
    const records = db.prepare("SELECT payload FROM outbox WHERE topic = 'session'").all() as { payload: string }[];
    db.close();

    // Exactly one session per plug-in, none left open.
    expect(rows.map((r) => r.id)).toEqual([first, second]);
    expect(rows).toHaveLength(plugIns);
    expect(rows.every((r) => r.ended_at !== null)).toBe(true);
    // The first vehicle stayed through two crashes: continued, not PowerLoss. The second left: PowerLoss.
    expect(["EVDisconnected", "PowerLoss"]).toContain(rows[0]?.stop_reason);
    expect(rows[1]?.stop_reason).toBe("PowerLoss");
    // Energy is the register difference, and the first session really charged across the restarts.
    for (const r of rows) expect(r.energy_wh).toBe((r.stop_register_wh as number) - (r.start_register_wh as number));
    expect(rows[0]?.energy_wh).toBeGreaterThan(400);
    expect(rows[1]?.start_register_wh).toBeGreaterThanOrEqual(rows[0]?.stop_register_wh as number);
    // One `started` and one `ended` record per session: no duplicate start or stop.
    const events = records.map((r) => JSON.parse(r.payload) as { sessionId: string; event: string; seq: number });
    for (const id of [first, second]) {
      expect(events.filter((e) => e.sessionId === id && e.event === "started")).toHaveLength(1);
      expect(events.filter((e) => e.sessionId === id && e.event === "ended")).toHaveLength(1);
    }
    const seqs = events.map((e) => e.seq);
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(readFileSync(dbFile).length).toBeGreaterThan(0);
  }, 240_000);
});
