import { describe, expect, it } from "vitest";
import { ManualClock } from "../../../../drivers/clock/manual.js";
import { openAt } from "../../../../src/core/intervals.js";
import { ClockWatch, followClockChange } from "../../../../src/services/metering/clock-watch.js";
import type { Cursor } from "../../../../src/store/intervals-repo.js";

const MIN = 60_000;
const DAY = 1440 * MIN;
const T0 = Date.UTC(2026, 10, 23, 10, 0, 0);

function cursor(): Cursor {
  const open = openAt({ atMs: T0 + 2 * MIN, importWh: 1000, exportWh: 0 }, 900);
  return { open, carry: [], chargingMs: 0, clockShiftMs: 0, vehicleEnergyWh: null, billedToPremise: false };
}
const ctx = (nowMs: number) => ({
  nowMs,
  lengthS: 900,
  notBeforeMs: Number.NEGATIVE_INFINITY,
  regs: { importWh: 1100, exportWh: 0 },
  replugged: false,
  maxGapMs: 7 * DAY,
});

describe("ClockWatch", () => {
  it("reports steps beyond its tolerance and changes of synchronization, not slewing", () => {
    const clock = new ManualClock({ wallMs: T0, synced: false });
    const watch = new ClockWatch(clock);
    clock.advance(10_000);
    expect(watch.observe()).toBeNull();
    clock.setWall(clock.now() + 1500);
    expect(watch.observe()).toBeNull();
    clock.setWall(clock.now() + 3_600_000, true);
    expect(watch.observe()).toEqual({ deltaMs: 3_600_000, wasSynced: false, synced: true });
    expect(watch.observe()).toBeNull();
  });
});

describe("followClockChange", () => {
  it("fills the intervals a synchronized forward step skipped with 0 Wh", () => {
    const c = cursor();
    const res = followClockChange(c, { deltaMs: 60 * MIN, wasSynced: true, synced: true }, ctx(T0 + 65 * MIN));
    expect(res.closed.map((x) => [(x.startMs - T0) / MIN, x.importWh])).toEqual([
      [0, 100],
      [15, 0],
      [30, 0],
      [45, 0],
    ]);
    expect(res.next.open.startMs).toBe(T0 + 60 * MIN);
    expect(res.next.clockShiftMs).toBe(60 * MIN);
  });

  it("does not fill a step longer than the gap limit: the open interval closes, the present one opens", () => {
    const c = cursor();
    const now = T0 + 30 * DAY + 7 * MIN;
    const res = followClockChange(c, { deltaMs: 30 * DAY, wasSynced: true, synced: true }, ctx(now));
    expect(res.closed).toHaveLength(1);
    expect(res.closed[0]).toMatchObject({ startMs: T0, importWh: 100, flags: ["clockStepped"] });
    expect(res.next.open.startMs).toBe(T0 + 30 * DAY);
    expect(res.next.open.anchor).toMatchObject({ atMs: now, importWh: 1100 });
    expect(res.next.open.flags).toEqual(["clockStepped"]);
  });

  it("holds the open interval on a synchronized step back, and moves it on an unsynchronized one", () => {
    const c = cursor();
    const back = followClockChange(c, { deltaMs: -60 * MIN, wasSynced: true, synced: true }, ctx(T0 - 55 * MIN));
    expect(back.closed).toHaveLength(0);
    expect(back.next.open).toMatchObject({ startMs: T0, endMs: T0 + 15 * MIN, flags: ["clockStepped"] });
    const moved = followClockChange(c, { deltaMs: 2 * DAY, wasSynced: false, synced: true }, { ...ctx(T0 + 2 * DAY), replugged: true });
    expect(moved.closed).toHaveLength(0);
    expect(moved.next.open.startMs).toBe(T0 + 2 * DAY);
    expect(moved.next.carry).toEqual(["clockUnsynced"]);
    expect(moved.next.clockShiftMs).toBe(0);
  });
});
