import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ManualClock } from "../../../drivers/clock/manual.js";
import { runCli } from "../../helpers/cli.js";
import { MIN, S, startMeteringStation } from "./harness.js";

/** `evsed intervals` and `evsed sessions --csv` on a database written by a station on simulated time. */
describe("evsed intervals", () => {
  it("lists intervals as a table, JSON lines and CSV, filtered by session and time", async () => {
    const clock = new ManualClock({ wallMs: Date.UTC(2026, 10, 23, 10, 7, 0) });
    const st = await startMeteringStation({ clock, config: { tariff: { basePrice: 20, currency: "EUR" } } });
    await st.plugAndCharge(16);
    await st.advance(40 * MIN);
    st.world.act({ action: "unplug" });
    await st.advance(5 * S);
    await st.stop();
    writeFileSync(join(st.dir, "evsed.yaml"), "dataDir: ./var\n");
    const [session] = st.sessions();
    if (!session) throw new Error("no session");

    const json = await runCli(["intervals", "--json"], { cwd: st.dir });
    expect(json.code).toBe(0);
    const rows = json.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(rows.map((r) => r.start)).toEqual([
      "2026-11-23T10:00:00Z",
      "2026-11-23T10:15:00Z",
      "2026-11-23T10:30:00Z",
      "2026-11-23T10:45:00Z",
    ]);
    expect(rows.reduce((a, r) => a + (r.importWh as number), 0)).toBe(session.energy_wh);
    expect(rows[1]).toMatchObject({ sessionId: session.id, currency: "EUR", priceMinorPerKWh: 20, period: "offPeak" });

    const csv = await runCli(["intervals", "--csv", "--session", session.id.slice(0, 8), "--since", "2026-11-23T10:30:00Z"], {
      cwd: st.dir,
    });
    expect(csv.code).toBe(0);
    const lines = csv.stdout.trim().split("\n");
    expect(lines[0]?.split(",").slice(0, 3)).toEqual(["start", "durationS", "sessionId"]);
    expect(lines).toHaveLength(3);

    const table = await runCli(["intervals"], { cwd: st.dir });
    expect(table.stdout).toMatch(/10:15:00Z\s+900\s+/);

    // The session list carries the billing fields of the session data record sent at the end.
    const sessions = await runCli(["sessions", "--csv"], { cwd: st.dir });
    expect(sessions.code).toBe(0);
    const [header, first] = sessions.stdout.trim().split("\n");
    const cols = Object.fromEntries((header ?? "").split(",").map((h, i) => [h, (first ?? "").split(",")[i]]));
    const sdr = JSON.parse(session.sdr ?? "null") as Record<string, unknown>;
    expect(cols).toMatchObject({ id: session.id, energyWh: String(session.energy_wh), currency: "EUR", stopReason: "EVDisconnected" });
    expect(Number(cols.costMinor)).toBe(sdr.costMinor);
    expect(Math.abs(Number(cols.costMinor) - ((session.energy_wh ?? 0) * 20) / 1000)).toBeLessThanOrEqual(0.5);
    expect(Number(cols.chargingS)).toBe(sdr.chargingS);
    expect(Number(cols.chargingS)).toBeGreaterThan(35 * 60);

    const bad = await runCli(["intervals", "--since", "yesterday-ish"], { cwd: st.dir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--since must be an ISO time");
  }, 60_000);
});
