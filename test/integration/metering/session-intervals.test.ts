import { afterEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../../drivers/clock/manual.js";
import type { TariffSpec } from "../../../src/core/tariff.js";
import type { IntervalRow } from "../../../src/store/intervals-repo.js";
import { expectLedgerExact, expectPayloadsValid, HOUR, type MeteringStation, MIN, S, startMeteringStation } from "./harness.js";

let st: MeteringStation | null = null;
afterEach(async () => {
  await st?.stop();
  st = null;
});

const TOU_A: TariffSpec = {
  id: "TOU-A",
  currency: "EUR",
  timeZone: "Europe/Berlin",
  basePeriod: "offPeak",
  basePrice: 12.25,
  periods: [
    { name: "onPeak", price: 40.5, from: "17:00", to: "20:00", days: ["mon", "tue", "wed", "thu", "fri"] },
    { name: "night", price: 7.5, from: "00:00", to: "06:00" },
  ],
};
const TOU_B: TariffSpec = { ...TOU_A, id: "TOU-B", basePrice: 13.0125 };

/**
 * The hand calculation: Berlin is UTC+1 in November (no DST change in these days); Monday 23 Nov 2026.
 * On-peak Monday 16:00–19:00Z, night 23:00–05:00Z; the base price changes for intervals from 22:15Z.
 */
function handPriceE4(startMs: number): number {
  const tariffB = startMs >= Date.UTC(2026, 10, 23, 22, 15);
  const d = new Date(startMs);
  const localHour = (d.getUTCHours() + 1) % 24;
  const localDay = d.getUTCHours() === 23 ? (d.getUTCDay() + 1) % 7 : d.getUTCDay();
  if (localDay >= 1 && localDay <= 5 && localHour >= 17 && localHour < 20) return 405_000;
  if (localHour < 6) return 75_000;
  return tariffB ? 130_125 : 122_500;
}

describe("EUMD intervals over a 10-hour session", () => {
  it("crosses midnight and a tariff change: Wh add up exactly, costs match the hand calculation", async () => {
    const clock = new ManualClock({ wallMs: Date.UTC(2026, 10, 23, 16, 52, 10) });
    st = await startMeteringStation({ clock, config: { metering: { intervalS: 900, program: "PEV-TOU" }, tariff: TOU_A } });
    await st.plugAndCharge(10);
    await st.advance(5 * HOUR + 14 * MIN);
    // 22:06Z: a new tariff, effective from the next boundary (22:15Z).
    expect(st.station.meteringChanges.setTariff(TOU_B)).toEqual({ tariffId: "TOU-B", effectiveAt: "2026-11-23T22:15:00Z" });
    await st.advance(4 * HOUR + 46 * MIN);
    const session = await st.unplugAndEnd();
    expect(session.stop_reason).toBe("EVDisconnected");
    const rows = expectLedgerExact(st, session);
    const energy = (session.stop_register_wh as number) - (session.start_register_wh as number);
    expect(energy).toBeGreaterThan(60_000);
    expect(rows.reduce((a, r) => a + r.import_wh, 0)).toBe(energy);
    expect(rows[0]?.start).toBe("2026-11-23T16:45:00Z");
    expect(rows.at(-1)?.start).toBe("2026-11-24T02:45:00Z");
    expect(rows).toHaveLength(41);
    expect(rows.some((r) => r.start === "2026-11-24T00:00:00Z")).toBe(true);
    expect(rows.every((r) => r.duration_s === 900 && JSON.parse(r.flags).length === 0)).toBe(true);
    expect(rows.every((r) => r.pev_id === "5YJ3E1EA7KF000001" || r.start === "2026-11-23T16:45:00Z")).toBe(true);
    expect(rows.every((r) => r.premise_id === "PREMISE-7" && r.account === "PREMISE-7" && r.program === "PEV-TOU")).toBe(true);

    // Costs: every interval at its hand-calculated price; the session total rounded once.
    let exact = 0n;
    for (const r of rows) {
      expect(r.price_e4, r.start).toBe(handPriceE4(r.start_ms));
      exact += BigInt(r.import_wh) * BigInt(handPriceE4(r.start_ms));
    }
    expect(new Set(rows.map((r) => r.period))).toEqual(new Set(["onPeak", "offPeak", "night"]));
    expect(rows.find((r) => r.start === "2026-11-23T22:15:00Z")?.tariff_id).toBe("TOU-B");
    expect(rows.find((r) => r.start === "2026-11-23T22:00:00Z")?.tariff_id).toBe("TOU-A");
    const handCost = Number((exact + 5_000_000n) / 10_000_000n);

    // The SDR in the `ended` record.
    const ended = st.records<{ event: string; sdr: Record<string, unknown> }>("session").find((r) => r.event === "ended");
    expect(ended?.sdr).toMatchObject({
      evseId: "meter-1",
      sessionId: session.id,
      pevId: "5YJ3E1EA7KF000001",
      premiseId: "PREMISE-7",
      account: "PREMISE-7",
      program: "PEV-TOU",
      billedTo: "program",
      importWh: energy,
      exportWh: 0,
      intervals: 41,
      currency: "EUR",
      costMinor: handCost,
      stopReason: "EVDisconnected",
      startedAt: session.plugged_at,
      endedAt: session.ended_at,
    });
    const sdr = ended?.sdr as { connectedS: number; chargingS: number; vehicleEnergyWh: number; eumdMinusVehicleWh: number };
    expect(sdr.connectedS).toBe(Math.round((Date.parse(session.ended_at as string) - Date.parse(session.plugged_at)) / 1000));
    expect(sdr.chargingS).toBeGreaterThan(10 * 3600 - 60);
    expect(sdr.chargingS).toBeLessThanOrEqual(sdr.connectedS);
    expect(sdr.vehicleEnergyWh).toBeGreaterThan(energy * 0.95);
    expect(sdr.eumdMinusVehicleWh).toBe(energy - sdr.vehicleEnergyWh);

    // Running summation: an `updated` record at least every 60 s while the session ran.
    const updates = st.query<{ created_at: string }>(
      "SELECT created_at FROM outbox WHERE topic = 'session' AND json_extract(payload, '$.event') = 'updated' ORDER BY seq",
    );
    expect(updates.length).toBeGreaterThanOrEqual(599);
    for (let i = 1; i < updates.length; i++) {
      expect(
        Date.parse((updates[i] as { created_at: string }).created_at) - Date.parse((updates[i - 1] as { created_at: string }).created_at),
      ).toBeLessThanOrEqual(60 * S);
    }
    expect(expectPayloadsValid(st)).toBeGreaterThan(600);
  }, 180_000);

  it("changes the interval length at the next boundary, with a transitional interval", async () => {
    const clock = new ManualClock({ wallMs: Date.UTC(2026, 10, 23, 10, 7, 0) });
    st = await startMeteringStation({ clock, config: { metering: { intervalS: 900 } } });
    await st.plugAndCharge(16);
    await st.advance(13 * MIN); // 10:20
    expect(st.station.meteringChanges.setIntervalLength(300)).toEqual({ intervalS: 300, effectiveAt: "2026-11-23T10:30:00Z" });
    await st.advance(22 * MIN); // 10:42
    expect(st.station.meteringChanges.setIntervalLength(3600)).toEqual({ intervalS: 3600, effectiveAt: "2026-11-23T10:45:00Z" });
    await st.advance(78 * MIN); // 12:00
    const session = await st.unplugAndEnd();
    const rows = expectLedgerExact(st, session);
    expect(rows.map((r: IntervalRow) => [r.start.slice(11, 16), r.duration_s])).toEqual([
      ["10:00", 900],
      ["10:15", 900],
      ["10:30", 300],
      ["10:35", 300],
      ["10:40", 300],
      ["10:45", 900],
      ["11:00", 3600],
      ["12:00", 3600],
    ]);
    const events = st.records<{ kind: string; detail: Record<string, unknown> }>("event").filter((e) => e.kind === "config");
    expect(events.map((e) => [e.detail.from, e.detail.to, e.detail.effectiveAt])).toEqual([
      [900, 300, "2026-11-23T10:30:00Z"],
      [300, 3600, "2026-11-23T10:45:00Z"],
    ]);
    expectPayloadsValid(st);
  }, 60_000);

  describe("a change that arrives while the meter is silent past a boundary", () => {
    /** Charging from 10:07, the meter silent from 10:27; the command at 11:05; the meter back, then 20 min more. */
    async function commandDuringGap(config: Record<string, unknown>, command: (s: MeteringStation) => { effectiveAt: string }) {
      const clock = new ManualClock({ wallMs: Date.UTC(2026, 10, 23, 10, 7, 0) });
      st = await startMeteringStation({ clock, config });
      await st.plugAndCharge(16);
      await st.advance(20 * MIN);
      st.world.act({ action: "meterOffline", on: true });
      await st.advance(38 * MIN);
      const commandMs = clock.now();
      const res = command(st);
      st.world.act({ action: "meterOffline", on: false });
      await st.advance(20 * MIN);
      const session = await st.unplugAndEnd();
      return { commandMs, res, rows: expectLedgerExact(st, session) };
    }

    it("setTariff rates from the first boundary after the command, never the past", async () => {
      const base: TariffSpec = { id: "OLD", currency: "EUR", timeZone: "Europe/Berlin", basePeriod: "offPeak", basePrice: 10, periods: [] };
      const { commandMs, res, rows } = await commandDuringGap({ tariff: base }, (s) =>
        s.station.meteringChanges.setTariff({ ...base, id: "NEW", basePrice: 99 }),
      );
      expect(res.effectiveAt).toBe("2026-11-23T11:15:00Z");
      expect(Date.parse(res.effectiveAt)).toBeGreaterThanOrEqual(commandMs);
      for (const r of rows) expect(r.tariff_id).toBe(r.start_ms < Date.parse(res.effectiveAt) ? "OLD" : "NEW");
    }, 60_000);

    it("setIntervalLength applies from the first boundary after the command; intervals before it keep their length", async () => {
      const { commandMs, res, rows } = await commandDuringGap({}, (s) => s.station.meteringChanges.setIntervalLength(300));
      expect(res.effectiveAt).toBe("2026-11-23T11:15:00Z");
      const effective = Date.parse(res.effectiveAt);
      expect(effective).toBeGreaterThanOrEqual(commandMs);
      for (const r of rows) {
        if (r.start_ms + r.duration_s * S <= effective) expect(r.duration_s === 900 || r.start_ms === rows[0]?.start_ms).toBe(true);
        else expect(r.duration_s === 300 || r === rows[rows.length - 1]).toBe(true);
      }
    }, 60_000);
  });

  describe("changes that overlap while the meter is silent", () => {
    it("two length changes: intervals before the first one's boundary keep the old length", async () => {
      const clock = new ManualClock({ wallMs: Date.UTC(2026, 10, 23, 10, 7, 0) });
      st = await startMeteringStation({ clock });
      await st.plugAndCharge(16);
      await st.advance(20 * MIN); // ≈ 10:27, open [10:15, 10:30)
      st.world.act({ action: "meterOffline", on: true });
      await st.advance(13 * MIN);
      expect(st.station.meteringChanges.setIntervalLength(300).effectiveAt).toBe("2026-11-23T10:45:00Z");
      await st.advance(10 * MIN);
      expect(st.station.meteringChanges.setIntervalLength(60).effectiveAt).toBe("2026-11-23T10:55:00Z");
      await st.advance(10 * MIN);
      st.world.act({ action: "meterOffline", on: false });
      await st.advance(10 * MIN);
      const rows = expectLedgerExact(st, await st.unplugAndEnd());
      expect(rows.map((r) => [r.start.slice(11, 16), r.duration_s]).slice(0, 7)).toEqual([
        ["10:00", 900],
        ["10:15", 900],
        ["10:30", 900],
        ["10:45", 300],
        ["10:50", 300],
        ["10:55", 60],
        ["10:56", 60],
      ]);
    }, 60_000);

    it("three tariffs: intervals before each one's boundary keep the tariff in force for them", async () => {
      const base: TariffSpec = { id: "CONFIG", currency: "EUR", timeZone: "UTC", basePeriod: "offPeak", basePrice: 10, periods: [] };
      const clock = new ManualClock({ wallMs: Date.UTC(2026, 10, 23, 10, 7, 0) });
      st = await startMeteringStation({ clock, config: { tariff: base } });
      await st.plugAndCharge(16);
      const set = (id: string, basePrice: number) => st?.station.meteringChanges.setTariff({ ...base, id, basePrice }).effectiveAt;
      expect(set("T1", 20)).toBe("2026-11-23T10:15:00Z");
      await st.advance(20 * MIN);
      st.world.act({ action: "meterOffline", on: true });
      await st.advance(13 * MIN);
      expect(set("T2", 30)).toBe("2026-11-23T10:45:00Z");
      await st.advance(10 * MIN);
      expect(set("T3", 40)).toBe("2026-11-23T11:00:00Z");
      await st.advance(15 * MIN);
      st.world.act({ action: "meterOffline", on: false });
      await st.advance(10 * MIN);
      const rows = expectLedgerExact(st, await st.unplugAndEnd());
      expect(rows.map((r) => [r.start.slice(11, 16), r.tariff_id]).slice(0, 6)).toEqual([
        ["10:00", "CONFIG"],
        ["10:15", "T1"],
        ["10:30", "T1"],
        ["10:45", "T2"],
        ["11:00", "T3"],
        ["11:15", "T3"],
      ]);
    }, 60_000);
  });

  it("a tariff set with nothing open rates the next session from its first interval", async () => {
    const base: TariffSpec = { id: "OLD", currency: "EUR", timeZone: "UTC", basePeriod: "offPeak", basePrice: 10, periods: [] };
    const clock = new ManualClock({ wallMs: Date.UTC(2026, 10, 23, 10, 7, 0) });
    st = await startMeteringStation({ clock, config: { tariff: base } });
    // Takes effect for the interval in progress (nothing is being recorded in it yet).
    expect(st.station.meteringChanges.setTariff({ ...base, id: "NEW", basePrice: 99 }).effectiveAt).toBe("2026-11-23T10:00:00Z");
    await st.advance(1 * MIN);
    await st.plugAndCharge(16);
    await st.advance(20 * MIN);
    const rows = expectLedgerExact(st, await st.unplugAndEnd());
    expect(rows.map((r) => r.tariff_id)).toEqual(["NEW", "NEW"]);
  }, 60_000);
});
