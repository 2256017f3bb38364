import { describe, expect, it } from "vitest";
import {
  absorb,
  advance,
  alignDown,
  type ClosedInterval,
  isIntervalLength,
  nextBoundary,
  type OpenInterval,
  openAt,
  rebaseline,
  regrid,
  shiftOpen,
  splitProportionally,
  stepForward,
} from "../../../src/core/intervals.js";

const S = 1000;
const MIN = 60 * S;
const DAY = 86_400 * S;
const T0 = Date.UTC(2026, 10, 22, 0, 0, 0);
const opts = { lengthS: 900, toleranceMs: 10 * S };
const at = (ms: number, importWh: number, exportWh = 0) => ({ atMs: T0 + ms, importWh, exportWh });

describe("interval alignment", () => {
  it("aligns every allowed length to midnight UTC", () => {
    for (const len of [60, 300, 600, 900, 1800, 3600]) {
      expect(isIntervalLength(len)).toBe(true);
      expect((DAY / S) % len).toBe(0);
      expect(alignDown(T0 + 7 * MIN + 3 * S, len) % (len * S)).toBe(0);
      expect(nextBoundary(T0, len)).toBe(T0 + len * S);
    }
    expect(isIntervalLength(120)).toBe(false);
    expect(alignDown(T0 + 14 * MIN, 900)).toBe(T0);
  });
});

describe("splitProportionally", () => {
  it("gives integer shares that add up exactly", () => {
    expect(splitProportionally(10, [1, 1, 1])).toEqual([4, 3, 3]);
    expect(splitProportionally(0, [5, 5])).toEqual([0, 0]);
    expect(splitProportionally(7, [0, 0])).toEqual([7, 0]);
    for (let n = 0; n < 200; n++) {
      const total = (n * 7919) % 10007;
      const weights = [n % 5, (n * 3) % 11, 1 + (n % 2), (n * 13) % 7];
      const shares = splitProportionally(total, weights);
      expect(shares.reduce((a, b) => a + b, 0)).toBe(total);
      expect(shares.every((s) => s >= 0 && Number.isInteger(s))).toBe(true);
    }
  });
});

describe("advance", () => {
  const open0 = openAt(at(7 * MIN, 1000), 900);

  it("opens the aligned interval around the first reading", () => {
    expect(open0.startMs).toBe(T0);
    expect(open0.endMs).toBe(T0 + 15 * MIN);
  });

  it("changes nothing before the boundary", () => {
    expect(advance(open0, at(14 * MIN, 1400), opts)).toEqual({ closed: [], open: open0 });
  });

  it("closes exactly on a reading just after the boundary", () => {
    const r = advance(open0, at(15 * MIN + 2 * S, 1500), opts);
    expect(r.closed).toEqual([
      {
        startMs: T0,
        durationS: 900,
        importWh: 500,
        exportWh: 0,
        startImportWh: 1000,
        endImportWh: 1500,
        startExportWh: 0,
        endExportWh: 0,
        flags: [],
      },
    ]);
    expect(r.open).toMatchObject({ startMs: T0 + 15 * MIN, endMs: T0 + 30 * MIN, startImportWh: 1500, accImportWh: 0, flags: [] });
  });

  it("splits a gap by time, keeps the last share open, and flags every share estimated", () => {
    const open = openAt(at(0, 0), 900);
    const r = advance(open, at(37 * MIN + 30 * S, 2500), opts);
    expect(r.closed.map((c) => [c.importWh, c.flags])).toEqual([
      [1000, ["estimated"]],
      [1000, ["estimated"]],
    ]);
    expect(r.open).toMatchObject({ startMs: T0 + 30 * MIN, accImportWh: 500, startImportWh: 2000, flags: ["estimated"] });
    const next = advance(r.open, at(45 * MIN + 1 * S, 2800), opts);
    expect(next.closed[0]).toMatchObject({ importWh: 800, startImportWh: 2000, endImportWh: 2800, flags: ["estimated"] });
  });

  it("applies a new length at the next boundary, with a transitional interval", () => {
    const open = openAt(at(5 * MIN, 0), 300);
    expect(open.endMs).toBe(T0 + 10 * MIN);
    const r = advance(open, at(10 * MIN, 100), opts);
    expect(r.closed[0]?.durationS).toBe(300);
    expect(r.open).toMatchObject({ startMs: T0 + 10 * MIN, endMs: T0 + 15 * MIN });
    const r2 = advance(r.open, at(15 * MIN, 200), opts);
    expect(r2.closed[0]).toMatchObject({ startMs: T0 + 10 * MIN, durationS: 300, importWh: 100 });
    expect(r2.open).toMatchObject({ startMs: T0 + 15 * MIN, endMs: T0 + 30 * MIN });
  });

  it("closes the holding interval at a final reading, whatever the time", () => {
    const r = advance(open0, at(9 * MIN, 1100), { ...opts, final: true });
    expect(r.closed).toHaveLength(1);
    expect(r.closed[0]).toMatchObject({ startMs: T0, durationS: 900, importWh: 100, endImportWh: 1100 });
  });

  it("refuses a falling register", () => {
    expect(() => advance(open0, at(16 * MIN, 999), opts)).toThrow(/rebaseline/);
  });

  it("always adds up to the register difference over random readings", () => {
    let open: OpenInterval = openAt(at(123 * S, 5000, 10), 900);
    const closed: ClosedInterval[] = [];
    let t = 123 * S;
    let reg = 5000;
    let exp = 10;
    for (let i = 0; i < 500; i++) {
      t += ((i * 7919) % 1800) * S;
      reg += (i * 31) % 977;
      exp += i % 3;
      const r = advance(open, at(t, reg, exp), { lengthS: [900, 300, 3600][i % 3] as number, toleranceMs: 10 * S });
      closed.push(...r.closed);
      open = r.open;
    }
    const last = advance(open, at(t + 1, reg, exp), { lengthS: 900, toleranceMs: 10 * S, final: true });
    closed.push(...last.closed);
    expect(closed.reduce((a, c) => a + c.importWh, 0)).toBe(reg - 5000);
    expect(closed.reduce((a, c) => a + c.exportWh, 0)).toBe(exp - 10);
    for (let i = 1; i < closed.length; i++) {
      const prev = closed[i - 1] as ClosedInterval;
      expect((closed[i] as ClosedInterval).startMs).toBe(prev.startMs + prev.durationS * S);
      expect((closed[i] as ClosedInterval).startImportWh).toBe(prev.endImportWh);
    }
    expect(closed.every((c) => c.importWh >= 0 && c.durationS > 0)).toBe(true);
  });
});

describe("absorb", () => {
  it("a gap splits only the energy between the readings around it, not what was read before", () => {
    // 600 Wh read by 00:10, then nothing until 00:20 (the 00:15 boundary missed), 100 Wh more by then.
    const open = absorb(openAt(at(0, 0), 900), at(10 * MIN, 600));
    expect(open).toMatchObject({ accImportWh: 600, anchor: { atMs: T0 + 10 * MIN, importWh: 600 } });
    const r = advance(open, at(20 * MIN, 700), opts);
    expect(r.closed.map((c) => [c.importWh, c.endImportWh, c.flags])).toEqual([[650, 650, ["estimated"]]]);
    expect(r.open).toMatchObject({ startMs: T0 + 15 * MIN, accImportWh: 50, anchor: { importWh: 700 } });
  });

  it("ignores readings outside [anchor, end) and registers below the anchor", () => {
    const open = absorb(openAt(at(0, 100), 900), at(5 * MIN, 150));
    expect(absorb(open, at(4 * MIN, 160))).toBe(open);
    expect(absorb(open, at(15 * MIN, 160))).toBe(open);
    expect(absorb(open, at(6 * MIN, 90))).toBe(open);
  });
});

describe("meter reset and clock changes", () => {
  it("keeps the energy before a register drop and never goes negative", () => {
    const open = openAt(at(0, 5000), 900);
    const reset = rebaseline(open, at(5 * MIN, 5300), at(6 * MIN, 0));
    expect(reset).toMatchObject({ accImportWh: 300, anchor: { importWh: 0 }, flags: ["registerReset"] });
    const r = advance(reset, at(15 * MIN, 200), opts);
    expect(r.closed[0]).toMatchObject({ importWh: 500, startImportWh: 5000, endImportWh: 200, flags: ["registerReset"] });
  });

  it("fills the intervals a forward step jumped over with 0 Wh", () => {
    const open = openAt(at(0, 0), 900);
    const r = stepForward(open, { importWh: 70, exportWh: 0 }, T0 + 67 * MIN, 900);
    expect(r.closed.map((c) => [c.startMs - T0, c.importWh])).toEqual([
      [0, 70],
      [15 * MIN, 0],
      [30 * MIN, 0],
      [45 * MIN, 0],
    ]);
    expect(r.closed.every((c) => c.flags.includes("clockStepped"))).toBe(true);
    expect(r.open).toMatchObject({ startMs: T0 + 60 * MIN, endMs: T0 + 75 * MIN, anchor: { atMs: T0 + 67 * MIN, importWh: 70 } });
  });

  it("a forward step that stays inside the open interval closes nothing: it keeps collecting to its end", () => {
    // 1 Wh/s from 00:00; at 00:05 (300 Wh) the clock steps +5 s; readings go on until 00:15.
    const r = stepForward(openAt(at(0, 0), 900), { importWh: 300, exportWh: 0 }, T0 + 5 * MIN + 5 * S, 900);
    expect(r.closed).toEqual([]);
    expect(r.open).toMatchObject({ startMs: T0, endMs: T0 + 15 * MIN, flags: ["clockStepped"] });
    const closed = advance(r.open, at(15 * MIN, 895), opts).closed;
    expect(closed.map((c) => [c.startMs - T0, c.importWh, c.flags])).toEqual([[0, 895, ["clockStepped"]]]);
  });

  it("moves the open interval onto the corrected timeline, never before the last closed one", () => {
    const open = openAt({ atMs: 5 * MIN, importWh: 10, exportWh: 0 }, 900);
    const shifted = shiftOpen(open, T0 + 3 * MIN, 900, Number.NEGATIVE_INFINITY);
    expect(shifted).toMatchObject({ startMs: T0, endMs: T0 + 15 * MIN, anchor: { atMs: T0 + 8 * MIN } });
    const held = shiftOpen(openAt(at(20 * MIN, 0), 900), -60 * MIN, 900, T0 + 30 * MIN);
    expect(held.startMs).toBe(T0 + 30 * MIN);
    expect(held.endMs).toBe(T0 + 45 * MIN);
  });

  it("a shift that is not a whole number of intervals still leaves one slot open, the one holding the anchor", () => {
    // Anchor at 09:43 (interval 09:30) shifted by +5 min: 09:48 is in the 09:45 interval.
    const open = openAt(at(9 * 60 * MIN + 43 * MIN, 0), 900);
    const shifted = shiftOpen(open, 5 * MIN, 900, Number.NEGATIVE_INFINITY);
    expect(shifted).toMatchObject({ startMs: T0 + 9 * 60 * MIN + 45 * MIN, endMs: T0 + 10 * 60 * MIN });
    // With energy already attributed before the anchor, the interval keeps its own (shifted) slot.
    const carried = shiftOpen({ ...open, accImportWh: 5 }, 5 * MIN, 900, Number.NEGATIVE_INFINITY);
    expect(carried).toMatchObject({ startMs: T0 + 9 * 60 * MIN + 30 * MIN, endMs: T0 + 9 * 60 * MIN + 45 * MIN });
  });
});

describe("regrid (clock correction)", () => {
  const EPOCH = 40 * S;
  const unsynced = (): readonly ClosedInterval[] => {
    // A session from 00:00:40 to 00:40:40 on the unsynchronized timeline, 2,400 Wh, closed at its end.
    const open = openAt({ atMs: EPOCH, importWh: 10_000, exportWh: 5 }, 900, ["clockUnsynced"]);
    return advance(open, { atMs: EPOCH + 40 * MIN, importWh: 12_400, exportWh: 7 }, { ...opts, final: true }).closed;
  };

  it("lays the same energy and registers on the corrected grid, shared by time", () => {
    const old = unsynced();
    const from = T0 + 9 * HOUR_MS + 7 * MIN + 30 * S;
    const next = regrid(old, { fromMs: from, toMs: from + 40 * MIN }, 900, ["clockCorrected"]);
    expect(next.map((c) => c.startMs - T0)).toEqual([9 * HOUR_MS, 9 * HOUR_MS + 15 * MIN, 9 * HOUR_MS + 30 * MIN, 9 * HOUR_MS + 45 * MIN]);
    expect(next.map((c) => c.importWh)).toEqual([450, 900, 900, 150]);
    expect(next.reduce((a, c) => a + c.exportWh, 0)).toBe(2);
    expect(next[0]?.startImportWh).toBe(10_000);
    expect(next.at(-1)?.endImportWh).toBe(12_400);
    for (let i = 1; i < next.length; i++) expect(next[i]?.startImportWh).toBe(next[i - 1]?.endImportWh);
    for (const c of next) expect(c.flags).toEqual(["clockCorrected", "clockUnsynced", "estimated"]);
  });

  it("keeps one interval unsplit and unestimated when the corrected span fits in it", () => {
    const open = openAt({ atMs: EPOCH, importWh: 0, exportWh: 0 }, 900, ["clockUnsynced"]);
    const old = advance(open, { atMs: EPOCH + 5 * MIN, importWh: 300, exportWh: 0 }, { ...opts, final: true }).closed;
    const next = regrid(old, { fromMs: T0 + MIN, toMs: T0 + 6 * MIN }, 900, ["clockCorrected"]);
    expect(next).toHaveLength(1);
    expect(next[0]).toMatchObject({ startMs: T0, durationS: 900, importWh: 300, flags: ["clockCorrected", "clockUnsynced"] });
  });

  it("keeps the energy of a register reset and never starts before the owner's last interval", () => {
    const old: ClosedInterval[] = [
      {
        startMs: 0,
        durationS: 900,
        importWh: 70,
        exportWh: 0,
        startImportWh: 500,
        endImportWh: 20,
        startExportWh: 0,
        endExportWh: 0,
        flags: ["registerReset"],
      },
    ];
    const next = regrid(old, { fromMs: T0 + 2 * MIN, toMs: T0 + 20 * MIN, notBeforeMs: T0 + 15 * MIN }, 900, []);
    expect(next[0]?.startMs).toBe(T0 + 15 * MIN);
    expect(next.reduce((a, c) => a + c.importWh, 0)).toBe(70);
    expect(next.every((c) => c.importWh >= 0 && c.startImportWh >= 0 && c.flags.includes("registerReset"))).toBe(true);
    for (const c of next) expect(c.endImportWh - c.startImportWh).toBe(c.importWh);
  });

  it("returns nothing for nothing", () => {
    expect(regrid([], { fromMs: T0, toMs: T0 + MIN }, 900, [])).toEqual([]);
  });
});

const HOUR_MS = 3_600_000;
