import { afterEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../../drivers/clock/manual.js";
import type { IntervalRow } from "../../../src/store/intervals-repo.js";
import { CARD, expectLedgerExact, expectPayloadsValid, type MeteringStation, MIN, S, startMeteringStation } from "./harness.js";

let st: MeteringStation | null = null;
afterEach(async () => {
  await st?.stop();
  st = null;
});

const flagsOf = (r: IntervalRow) => JSON.parse(r.flags) as string[];
type Ev = { kind: string; detail: Record<string, unknown> };

describe("meter faults during a session", () => {
  it("meter unplugged for 5 minutes: charging goes on, intervals flagged, billed to the premise, clean continuation", async () => {
    const clock = new ManualClock({ wallMs: Date.UTC(2026, 10, 23, 10, 7, 0) });
    st = await startMeteringStation({
      clock,
      config: { metering: { program: "PEV-TOU", account: "ACC-42" }, tariff: { basePrice: 10, premisePrice: 31.5 } },
    });
    await st.plugAndCharge(16);
    await st.advance(20 * MIN); // 10:27
    st.world.act({ action: "meterOffline", on: true });
    await st.advance(2 * MIN);
    expect(st.station.controller.snapshot().contactorClosed).toBe(true);
    expect(st.records<Ev>("event").map((e) => e.kind)).toContain("meterLost");
    await st.advance(3 * MIN); // 10:32
    expect(st.station.controller.snapshot().contactorClosed).toBe(true);
    st.world.act({ action: "meterOffline", on: false });
    await st.advance(40 * MIN); // 11:12
    const session = await st.unplugAndEnd();
    expect(JSON.parse(session.flags)).toContain("meterUnavailable");
    const rows = expectLedgerExact(st, session);
    expect(rows.map((r) => [r.start.slice(11, 16), flagsOf(r)])).toEqual([
      ["10:00", []],
      ["10:15", ["estimated", "meterUnavailable"]],
      ["10:30", ["estimated", "meterUnavailable"]],
      ["10:45", []],
      ["11:00", []],
    ]);
    expect(rows[0]).toMatchObject({ account: "ACC-42", program: "PEV-TOU", period: "offPeak" });
    expect(rows.slice(1).every((r) => r.account === "PREMISE-7" && r.program === null && r.period === "premise")).toBe(true);
    const kinds = st.records<Ev>("event").map((e) => e.kind);
    expect(kinds.filter((k) => k === "meterLost")).toHaveLength(1);
    expect(kinds.filter((k) => k === "meterRestored")).toHaveLength(1);
    const sdr = st.records<{ event: string; sdr: Record<string, unknown> }>("session").find((r) => r.event === "ended")?.sdr;
    const energy = session.energy_wh as number;
    expect(sdr).toMatchObject({ billedTo: "premise", account: "PREMISE-7", program: null, importWh: energy });
    expect(sdr?.costMinor).toBe(Math.round((energy * 31.5) / 1000));
    expectPayloadsValid(st);
  }, 60_000);

  it("a register that falls (meter replaced) sets a new baseline: no negative energy, event, flags", async () => {
    const clock = new ManualClock({ wallMs: Date.UTC(2026, 10, 23, 10, 7, 0) });
    st = await startMeteringStation({ clock });
    await st.plugAndCharge(16);
    await st.advance(20 * MIN);
    const [open] = st.sessions();
    const before = st.station.meter?.latest()?.reading.importWh as number;
    st.world.act({ action: "meter", importWh: 100 });
    await st.advance(20 * MIN);
    st.world.act({ action: "unplug" });
    await st.advance(5 * S);
    const [session] = st.sessions();
    if (!session || !open) throw new Error("no session");
    const rows = st.intervals(session.id);
    expect(rows.every((r) => r.import_wh >= 0)).toBe(true);
    const sum = rows.reduce((a, r) => a + r.import_wh, 0);
    const expected = before - (session.start_register_wh as number) + (session.stop_register_wh as number) - 100;
    expect(sum).toBeLessThanOrEqual(expected + 10);
    expect(sum).toBeGreaterThanOrEqual(expected - 10);
    expect(rows.filter((r) => flagsOf(r).includes("registerReset"))).toHaveLength(1);
    expect(JSON.parse(session.flags)).toContain("registerReset");
    const reset = st.records<Ev>("event").find((e) => e.kind === "meterRegisterReset");
    expect(reset?.detail).toMatchObject({ sessionId: session.id, fromWh: expect.any(Number) });
    expect(reset?.detail.toWh as number).toBeGreaterThanOrEqual(100);
    expect(reset?.detail.toWh as number).toBeLessThan(150);
    const ended = st.records<{ event: string; energyWh: number; sdr: Record<string, unknown> }>("session").find((r) => r.event === "ended");
    expect(ended?.sdr.importWh).toBe(sum);
    // The session's own energy is the interval sum too, not the broken register difference.
    expect(session.energy_wh).toBe(sum);
    expect(ended?.energyWh).toBe(sum);
    expectPayloadsValid(st);
  }, 60_000);

  it("a missed boundary splits only the energy between the readings around the gap, not what was read before it", async () => {
    const clock = new ManualClock({ wallMs: Date.UTC(2026, 10, 23, 10, 7, 0) });
    st = await startMeteringStation({ clock });
    await st.plugAndCharge(16);
    await st.advance(13 * MIN); // ≈ 10:20
    st.world.act({ action: "pause" });
    await st.advance(2 * MIN); // the meter reads the flat register until 10:22
    st.world.act({ action: "meterOffline", on: true });
    await st.advance(13 * MIN); // 10:35: the 10:30 boundary is missed
    st.world.act({ action: "meterOffline", on: false });
    await st.advance(20 * MIN);
    const session = await st.unplugAndEnd();
    const rows = expectLedgerExact(st, session);
    const at = (hhmm: string) => rows.find((r) => r.start.slice(11, 16) === hhmm);
    expect(at("10:15")?.import_wh).toBeGreaterThan(0);
    // No energy flowed after 10:20, and the meter said so before the gap: nothing to share.
    expect(at("10:30")?.import_wh).toBe(0);
    expectPayloadsValid(st);
  }, 60_000);

  it("a register reset first seen by the closing read: session energy is the intervals' sum, flagged", async () => {
    const clock = new ManualClock({ wallMs: Date.UTC(2026, 10, 23, 10, 7, 0) });
    st = await startMeteringStation({ clock });
    await st.plugAndCharge(16);
    await st.advance(20 * MIN);
    st.world.act({ action: "meter", importWh: 5 }); // meter replaced just before the vehicle leaves
    const session = await st.unplugAndEnd();
    const sum = st.intervals(session.id).reduce((a, r) => a + r.import_wh, 0);
    expect(sum).toBeGreaterThan(0);
    expect(session.energy_wh).toBe(sum);
    expect(JSON.parse(session.flags)).toContain("registerReset");
    const ended = st.records<{ event: string; energyWh: number }>("session").find((r) => r.event === "ended");
    expect(ended?.energyWh).toBe(sum);
  }, 60_000);

  it("a meter that does not answer at plug-in: event, session flagged and billed to the premise once it answers", async () => {
    const clock = new ManualClock({ wallMs: Date.UTC(2026, 10, 23, 10, 7, 0) });
    st = await startMeteringStation({
      clock,
      config: { metering: { program: "PEV-TOU", account: "ACC-42" }, tariff: { basePrice: 10, premisePrice: 31.5 } },
    });
    st.world.act({ action: "meterOffline", on: true });
    await st.plugAndCharge(16);
    await st.advance(5 * MIN);
    expect(st.station.controller.snapshot().contactorClosed).toBe(true);
    const lost = st.records<Ev>("event").find((e) => e.kind === "meterLost");
    expect(lost?.detail.sessionId).toBe(st.sessions()[0]?.id);
    st.world.act({ action: "meterOffline", on: false });
    await st.advance(30 * MIN);
    const session = await st.unplugAndEnd();
    expect(JSON.parse(session.flags)).toContain("meterUnavailable");
    const rows = expectLedgerExact(st, session);
    expect(rows.length).toBeGreaterThan(0);
    // All billed to the premise; the interval the meter came back in is flagged, as after a loss mid-session.
    for (const r of rows) expect({ account: r.account, program: r.program }).toEqual({ account: "PREMISE-7", program: null });
    expect(flagsOf(rows[0] as IntervalRow)).toContain("meterUnavailable");
    const sdr = st.records<{ event: string; sdr?: Record<string, unknown> }>("session").find((r) => r.event === "ended")?.sdr;
    expect(sdr).toMatchObject({ billedTo: "premise", account: "PREMISE-7", program: null });
    expectPayloadsValid(st);
  }, 60_000);

  it("one missed read at plug-in, far below the loss time: billed to the program, no meterLost", async () => {
    const clock = new ManualClock({ wallMs: Date.UTC(2026, 10, 23, 10, 8, 0) });
    st = await startMeteringStation({ clock, config: { metering: { program: "PEV-TOU", account: "ACC-42" } } });
    st.world.act({ action: "meterOffline", on: true });
    st.world.act({ action: "draw", amps: 16 });
    st.world.act({ action: "plug" });
    await st.advance(2 * S);
    st.world.act({ action: "meterOffline", on: false });
    await st.advance(1 * S);
    st.world.act({ action: "token", id: CARD });
    await st.advance(30 * MIN);
    const session = await st.unplugAndEnd();
    expectLedgerExact(st, session);
    expect(st.records<Ev>("event").map((e) => e.kind)).not.toContain("meterLost");
    const sdr = st.records<{ event: string; sdr?: Record<string, unknown> }>("session").find((r) => r.event === "ended")?.sdr;
    expect(sdr).toMatchObject({ billedTo: "program", account: "ACC-42", program: "PEV-TOU" });
  }, 60_000);
});
