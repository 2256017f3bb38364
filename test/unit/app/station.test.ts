import { afterEach, describe, expect, it } from "vitest";
import type { SessionRow } from "../../../src/store/sessions-repo.js";
import { startTestStation, TEST_CARD, type TestStation } from "../../helpers/station.js";

const open: TestStation[] = [];
async function station(...args: Parameters<typeof startTestStation>): Promise<TestStation> {
  const t = await startTestStation(...args);
  open.push(t);
  return t;
}
afterEach(async () => {
  for (const t of open.splice(0)) await t.station.stop();
});

const sessions = (t: TestStation) => t.query<SessionRow>("SELECT * FROM sessions ORDER BY plugged_at, rowid");
const records = (t: TestStation, topic: string) =>
  t
    .query<{ payload: string }>("SELECT payload FROM outbox WHERE topic = ? ORDER BY seq", topic)
    .map((r) => JSON.parse(r.payload) as Record<string, unknown>);

async function plugAndCharge(t: TestStation, minutes: number): Promise<void> {
  t.world.act({ action: "plug" });
  await t.advance(3000);
  t.world.act({ action: "token", id: TEST_CARD });
  await t.advance(minutes * 60_000);
}

describe("a charging session on the simulated board", () => {
  it("opens the contactor at boot and reports Available with no vehicle", async () => {
    const t = await station();
    expect(t.world.contactorCommanded).toBe(false);
    expect(t.station.controller.snapshot().status).toBe("Available");
  });

  it("opens a session at plug-in with the meter register and a started record", async () => {
    const t = await station();
    t.world.act({ action: "plug" });
    await t.advance(2000);
    const [row] = sessions(t);
    expect(row?.start_register_wh).toBe(0);
    expect(row?.ended_at).toBeNull();
    expect(t.station.controller.snapshot().status).toBe("Preparing");
    expect(records(t, "session").map((r) => r.event)).toEqual(["started"]);
  });

  it("charges after the test card and closes at unplug with energy = register difference", async () => {
    const t = await station();
    await plugAndCharge(t, 30);
    expect(t.station.controller.snapshot().status).toBe("Charging");
    t.world.act({ action: "unplug" });
    await t.advance(2000);
    const [row] = sessions(t);
    const register = t.world.meterReading().importWh;
    expect(row?.stop_reason).toBe("EVDisconnected");
    expect(row?.stop_register_wh).toBe(register);
    expect(row?.energy_wh).toBe(register - (row?.start_register_wh as number));
    // 32 A offered (default), vehicle max 32 A, 3 × 230 V for about 30 minutes: ≈ 11 kWh.
    expect(row?.energy_wh).toBeGreaterThan(10_000);
    expect(row?.energy_wh).toBeLessThan(11_100);
    expect(row?.token_id).toBe(TEST_CARD);
    const ended = records(t, "session").find((r) => r.event === "ended");
    expect(ended).toMatchObject({ energyWh: row?.energy_wh, stopReason: "EVDisconnected", tokenId: "******C3D4" });
  });

  it("reports the running sum every minute while charging", async () => {
    const t = await station();
    await plugAndCharge(t, 5);
    const updates = records(t, "session").filter((r) => r.event === "updated");
    expect(updates.length).toBeGreaterThanOrEqual(4);
    const energies = updates.map((u) => u.energyWh as number);
    expect([...energies].sort((a, b) => a - b)).toEqual(energies);
    expect(energies[energies.length - 1]).toBeGreaterThan(1000);
  });

  it("refuses an unknown card, records it, and never closes the contactor", async () => {
    const t = await station();
    t.world.act({ action: "plug" });
    await t.advance(1000);
    t.world.act({ action: "token", id: "DEADBEEF" });
    await t.advance(60_000);
    expect(t.world.contactorCommanded).toBe(false);
    expect(t.station.controller.snapshot().status).toBe("Preparing");
    expect(records(t, "event").some((e) => e.kind === "authorizationRejected")).toBe(true);
  });

  it("stops on the same card shown again (Local), shows Finishing, and opens no second session", async () => {
    const t = await station();
    await plugAndCharge(t, 2);
    t.world.act({ action: "token", id: TEST_CARD });
    await t.advance(10_000);
    expect(t.world.contactorCommanded).toBe(false);
    expect(t.station.controller.snapshot().status).toBe("Finishing");
    t.world.act({ action: "unplug" });
    await t.advance(2000);
    const rows = sessions(t);
    expect(rows).toHaveLength(1);
    expect(rows[0]?.stop_reason).toBe("Local");
  });

  it("forces the contactor open 6 s after a stop when the vehicle keeps drawing (C1)", async () => {
    const t = await station();
    await plugAndCharge(t, 1);
    t.world.act({ action: "stubborn", on: true });
    t.station.controller.stopCharging("Remote");
    await t.advance(5000);
    expect(t.world.contactorCommanded).toBe(true);
    await t.advance(1100);
    expect(t.world.contactorCommanded).toBe(false);
  });

  it("latches ContactorWelded when the contacts stay closed, shows Faulted and records the fault", async () => {
    const t = await station();
    t.world.act({ action: "weld", on: true });
    await plugAndCharge(t, 1);
    t.world.act({ action: "pause" });
    await t.advance(2000);
    const s = t.station.controller.snapshot();
    expect(s.faults).toContain("ContactorWelded");
    expect(s.status).toBe("Faulted");
    expect(records(t, "event").some((e) => e.kind === "faultRaised" && (e.detail as { code: string }).code === "ContactorWelded")).toBe(
      true,
    );
  });

  it("latches a diode fault from the vehicle and keeps it after the vehicle recovers", async () => {
    const t = await station();
    await plugAndCharge(t, 1);
    t.world.act({ action: "diodeFault", on: true });
    await t.advance(500);
    expect(t.world.contactorCommanded).toBe(false);
    t.world.act({ action: "diodeFault", on: false });
    await t.advance(10_000);
    expect(t.station.controller.snapshot().faults).toEqual(["DiodeFault"]);
    expect(t.world.contactorCommanded).toBe(false);
    t.station.controller.clearFaults();
    await t.advance(10_000);
    expect(t.world.contactorCommanded).toBe(true);
  });
});

describe("recovery after a restart", () => {
  it("continues the same session when the vehicle is still plugged in", async () => {
    const first = await startTestStation();
    await plugAndCharge(first, 5);
    const before = sessions(first)[0] as SessionRow;
    // Hard stop: no clean shutdown bookkeeping, as after SIGKILL — only the world file survives.
    first.station.drivers.sim?.world.save();
    open.push(first);
    const second = await station({ dir: first.dir });
    await second.advance(30_000);
    const rows = sessions(second);
    expect(rows).toHaveLength(1);
    expect(rows[0]?.id).toBe(before.id);
    expect(rows[0]?.ended_at).toBeNull();
    expect(second.station.controller.snapshot().status).toBe("Charging");
    expect(records(second, "event").some((e) => e.kind === "sessionRecovered")).toBe(true);
  });

  it("closes with Reboot when the vehicle left while the station was cleanly stopped", async () => {
    const first = await startTestStation();
    await plugAndCharge(first, 5);
    await first.station.stop();
    const register = first.world.meterReading().importWh;
    const second = await station({ dir: first.dir });
    second.world.act({ action: "unplug" });
    await second.advance(5000);
    const [row] = sessions(second);
    // The world may have announced "plugged" first; what matters is one closed session, right register.
    expect(row?.ended_at).not.toBeNull();
    expect(["Reboot", "EVDisconnected"]).toContain(row?.stop_reason);
    expect(row?.stop_register_wh).toBe(register);
    expect(sessions(second)).toHaveLength(1);
  });
});
