import { afterEach, describe, expect, it } from "vitest";
import { join } from "node:path";
import { ManualClock } from "../../../drivers/clock/manual.js";
import { readWorldFile, writeWorldFile } from "../../../drivers/sim/index.js";
import { expectLedgerExact, type MeteringStation, MIN, S, startMeteringStation } from "./harness.js";

const stations: MeteringStation[] = [];
afterEach(async () => {
  for (const s of stations.splice(0)) await s.stop();
});

const T0 = Date.UTC(2026, 10, 23, 10, 0, 0);

/**
 * Restart after `crashed` (abandoned: its clock never moves again, standing for a killed process). While
 * it was down the vehicle left and the meter stopped answering — edited in the world file, so the
 * abandoned station does not react. Returns the new station and the session it closed at recovery.
 */
async function restartVehicleGoneMeterSilent(crashed: MeteringStation) {
  const file = join(crashed.dir, "var", "sim-world.json");
  const world = readWorldFile(file);
  if (!world) throw new Error("no world file");
  writeWorldFile(file, { ...world, plugged: false, meterOffline: true });
  const st = await startMeteringStation({ clock: new ManualClock({ wallMs: crashed.clock.now() + 5 * S }), dir: crashed.dir });
  stations.push(st, crashed);
  await st.advance(10 * S);
  const [session] = st.sessions();
  if (!session?.ended_at) throw new Error("no session ended at recovery");
  return { st, session };
}

describe("metering across a crash", () => {
  it("loses at most the last minute: it is saved with the running sum, not only at interval closes", async () => {
    // A station that is abandoned without stopping (its clock never moves again) stands for a crash.
    const crashed = await startMeteringStation({ clock: new ManualClock({ wallMs: T0 }) });
    await crashed.plugAndCharge(16);
    await crashed.advance(13 * MIN + 30 * S); // ≈ 10:13:38, no interval has closed yet
    expect(crashed.intervals()).toHaveLength(0);
    const row = crashed.sessions()[0];
    expect(row?.charging_ms).toBeGreaterThan(12 * MIN);

    const clock = new ManualClock({ wallMs: crashed.clock.now() + 5 * S });
    const st = await startMeteringStation({ clock, dir: crashed.dir });
    // Stopped after the new one, so its late clean-up finds the session closed and changes nothing.
    stations.push(st, crashed);
    await st.advance(30 * MIN);
    const session = await st.unplugAndEnd();
    expectLedgerExact(st, session);
    const sdr = st
      .records<{ event: string; sdr?: { chargingS: number; connectedS: number } }>("session")
      .find((r) => r.event === "ended")?.sdr;
    // Charging 10:00:05 → 10:13:38 before the crash and about 30 min after it.
    expect(sdr?.chargingS).toBeGreaterThanOrEqual(13 * 60 + 30 - 60 + 30 * 60 - 30);
    expect(sdr?.chargingS).toBeLessThanOrEqual(sdr?.connectedS ?? 0);
  }, 60_000);

  it("a crash just after an interval close, with the meter silent and the vehicle gone: the session's energy is its intervals' sum", async () => {
    // Offset 30 s so that the last running sum (10:14:30) is older than the interval close (10:15:00).
    const crashed = await startMeteringStation({ clock: new ManualClock({ wallMs: T0 + 30 * S }) });
    await crashed.plugAndCharge(16);
    await crashed.advance(14 * MIN + 42 * S); // ≈ 10:15:20
    expect(crashed.intervals()).toHaveLength(1);
    const { st, session } = await restartVehicleGoneMeterSilent(crashed);
    expectLedgerExact(st, session);
    expect(st.intervals(session.id).reduce((a, r) => a + r.import_wh, 0)).toBe(session.energy_wh);
  }, 60_000);

  it("a register reset, then a crash before any running sum: the session is not billed the old meter's register", async () => {
    const crashed = await startMeteringStation({ clock: new ManualClock({ wallMs: T0 }) });
    await crashed.plugAndCharge(16);
    await crashed.advance(20 * MIN + 20 * S);
    const start = crashed.sessions()[0]?.start_register_wh as number;
    const preReset = crashed.station.meter?.latest()?.reading.importWh as number;
    crashed.world.act({ action: "meter", importWh: 100 }); // meter swapped
    await crashed.advance(5 * S);
    const { st, session } = await restartVehicleGoneMeterSilent(crashed);
    const sum = expectLedgerExact(st, session).reduce((a, r) => a + r.import_wh, 0);
    expect(session.energy_wh).toBe(sum);
    // The old meter's energy, plus at most the few Wh the new one counted before the crash.
    expect(sum).toBeGreaterThanOrEqual(preReset - start);
    expect(sum).toBeLessThanOrEqual(preReset - start + 20);
    expect(JSON.parse(session.flags)).toContain("registerReset");
  }, 60_000);
});
