/**
 * Clock-aligned metering intervals (pure: no I/O, no clock).
 *
 * An interval is `[startMs, endMs)` on the UTC timeline, aligned to midnight UTC: every length divides a
 * day, so aligning to the epoch is aligning to midnight. Energy is always a difference of the meter's
 * cumulative registers read at the boundaries; when a boundary reading is missing, the energy between
 * the two readings around the gap is divided between the intervals in proportion to time and those
 * intervals are flagged `estimated`. The Wh of the intervals always add up exactly to the register
 * difference: shares are integers distributed by largest remainder.
 *
 * Contracts:
 * - `advance` never closes an interval twice and never produces negative energy: the caller handles a
 *   falling register with `rebaseline` first (precondition: the reading's registers ≥ the anchor's).
 * - The intervals of one open cursor tile the timeline: each closed interval starts where the previous
 *   one ended; the first starts at the open interval's start.
 * - A change of length takes effect at the next boundary: the open interval keeps its end; the next one
 *   runs to the next boundary aligned to the new length (a shorter transitional interval if needed).
 */

/** Lengths that divide a day, in seconds (P1 requirement 25; OCPP ClockAlignedDataInterval). */
export const INTERVAL_LENGTHS_S = [60, 300, 600, 900, 1800, 3600] as const;
export type IntervalLengthS = (typeof INTERVAL_LENGTHS_S)[number];

export function isIntervalLength(s: number): s is IntervalLengthS {
  return (INTERVAL_LENGTHS_S as readonly number[]).includes(s);
}

/** A reading of the meter's cumulative registers at a wall-clock instant. */
export interface RegisterReading {
  readonly atMs: number;
  readonly importWh: number;
  readonly exportWh: number;
}

/** The interval being accumulated, and the last reading folded into it (the anchor). */
export interface OpenInterval {
  readonly startMs: number;
  readonly endMs: number;
  /** Registers at the interval's start as reported in its record (estimated after a gap). */
  readonly startImportWh: number;
  readonly startExportWh: number;
  /** Energy already attributed to this interval before the anchor (a split share, or before a meter reset). */
  readonly accImportWh: number;
  readonly accExportWh: number;
  readonly anchor: RegisterReading;
  readonly flags: readonly string[];
}

export interface ClosedInterval {
  readonly startMs: number;
  readonly durationS: number;
  readonly importWh: number;
  readonly exportWh: number;
  readonly startImportWh: number;
  readonly endImportWh: number;
  readonly startExportWh: number;
  readonly endExportWh: number;
  readonly flags: readonly string[];
}

/** The interval length (s) for an interval starting at the boundary `startMs`: a change takes effect at a boundary. */
export type LengthAt = (startMs: number) => number;

export interface AdvanceResult {
  readonly closed: readonly ClosedInterval[];
  readonly open: OpenInterval;
}

/** Start of the aligned interval of `lengthS` that contains `ms`. */
export function alignDown(ms: number, lengthS: number): number {
  const len = lengthS * 1000;
  return Math.floor(ms / len) * len;
}

/** The first boundary of `lengthS` strictly after `ms`. */
export function nextBoundary(ms: number, lengthS: number): number {
  return alignDown(ms, lengthS) + lengthS * 1000;
}

/** A fresh open interval around a first reading (session start, or after a clock correction). */
export function openAt(reading: RegisterReading, lengthS: number, flags: readonly string[] = [], notBeforeMs = -Infinity): OpenInterval {
  const startMs = Math.max(alignDown(reading.atMs, lengthS), notBeforeMs);
  return {
    startMs,
    endMs: nextBoundary(Math.max(reading.atMs, startMs), lengthS),
    startImportWh: reading.importWh,
    startExportWh: reading.exportWh,
    accImportWh: 0,
    accExportWh: 0,
    anchor: reading,
    flags: [...new Set(flags)],
  };
}

/**
 * Divide `total` (an integer ≥ 0) into integer shares proportional to `weights` (≥ 0) that add up
 * exactly to `total` (largest remainder; ties to the earlier share). All-zero weights: all to the first.
 */
export function splitProportionally(total: number, weights: readonly number[]): number[] {
  const sum = weights.reduce((a, w) => a + Math.max(0, w), 0);
  if (weights.length === 0) return [];
  if (sum <= 0) return weights.map((_, i) => (i === 0 ? total : 0));
  const exact = weights.map((w) => (total * Math.max(0, w)) / sum);
  const shares = exact.map(Math.floor);
  let left = total - shares.reduce((a, b) => a + b, 0);
  const order = exact.map((x, i) => ({ i, r: x - Math.floor(x) })).sort((a, b) => b.r - a.r || a.i - b.i);
  for (const { i } of order) {
    if (left <= 0) break;
    shares[i] = (shares[i] as number) + 1;
    left--;
  }
  return shares;
}

function withFlags(flags: readonly string[], extra: readonly string[]): string[] {
  return [...new Set([...flags, ...extra])];
}

/**
 * Fold a reading into the open interval. A reading before the open interval's end changes nothing.
 * A reading at or after it closes every interval up to the last boundary passed: when it came within
 * `toleranceMs` after that boundary it counts as the boundary reading (exact); otherwise its energy is
 * split by time, the share after the last boundary stays in the new open interval, and every interval
 * that got a share is flagged `estimated`. With `final` (session end) the interval holding the reading
 * is closed too, whatever the time.
 */
export function advance(
  open: OpenInterval,
  reading: RegisterReading,
  opts: { readonly lengthS: number | LengthAt; readonly toleranceMs: number; readonly final?: boolean },
): AdvanceResult {
  const final = opts.final === true;
  const fixed = opts.lengthS;
  const lengthAt: LengthAt = typeof fixed === "number" ? () => fixed : fixed;
  if (reading.atMs < open.endMs && !final) return { closed: [], open };
  // bounds: s0 < e0 < … < e_k ≤ reading < e_{k+1}; just [s0, e0] for a final reading inside the open interval.
  const bounds = [open.startMs, open.endMs];
  while (reading.atMs >= (bounds[bounds.length - 1] as number))
    bounds.push(nextBoundary(bounds[bounds.length - 1] as number, lengthAt(bounds[bounds.length - 1] as number)));
  const pieces: Span[] = [];
  for (let i = 0; i + 1 < bounds.length; i++) pieces.push({ startMs: bounds[i] as number, endMs: bounds[i + 1] as number });
  const lastPassed = bounds.length >= 3 ? (bounds[bounds.length - 2] as number) : undefined;
  const snapped = lastPassed !== undefined && reading.atMs - lastPassed <= opts.toleranceMs;
  if (snapped) pieces.pop();
  const effectiveEnd = snapped ? (lastPassed as number) : reading.atMs;
  const weights = pieces.map((p) => Math.max(0, Math.min(p.endMs, effectiveEnd) - Math.max(p.startMs, open.anchor.atMs)));
  const importWh = reading.importWh - open.anchor.importWh;
  const exportWh = reading.exportWh - open.anchor.exportWh;
  if (importWh < 0 || exportWh < 0) throw new RangeError("advance: the register fell below the anchor; rebaseline first");
  const imports = splitProportionally(importWh, weights);
  const exports = splitProportionally(exportWh, weights);
  const estimated = (importWh > 0 || exportWh > 0) && weights.filter((w) => w > 0).length > 1 ? ["estimated"] : [];
  const keepOpen = !final && !snapped;
  const closed: ClosedInterval[] = [];
  let regImport = open.anchor.importWh;
  let regExport = open.anchor.exportWh;
  let startImport = open.startImportWh;
  let startExport = open.startExportWh;
  for (let i = 0; i < (keepOpen ? pieces.length - 1 : pieces.length); i++) {
    const p = pieces[i] as Span;
    const first = i === 0;
    regImport += imports[i] as number;
    regExport += exports[i] as number;
    closed.push({
      startMs: p.startMs,
      durationS: Math.round((p.endMs - p.startMs) / 1000),
      importWh: (imports[i] as number) + (first ? open.accImportWh : 0),
      exportWh: (exports[i] as number) + (first ? open.accExportWh : 0),
      startImportWh: startImport,
      endImportWh: regImport,
      startExportWh: startExport,
      endExportWh: regExport,
      flags: withFlags(first ? open.flags : [], (weights[i] as number) > 0 ? estimated : []),
    });
    startImport = regImport;
    startExport = regExport;
  }
  if (!keepOpen) {
    const nextStart = (pieces[pieces.length - 1] as Span).endMs;
    return {
      closed,
      open: {
        startMs: nextStart,
        endMs: nextBoundary(nextStart, lengthAt(nextStart)),
        startImportWh: reading.importWh,
        startExportWh: reading.exportWh,
        accImportWh: 0,
        accExportWh: 0,
        anchor: { ...reading, atMs: effectiveEnd },
        flags: [],
      },
    };
  }
  const last = pieces[pieces.length - 1] as Span;
  return {
    closed,
    open: {
      startMs: last.startMs,
      endMs: last.endMs,
      startImportWh: startImport,
      startExportWh: startExport,
      accImportWh: imports[pieces.length - 1] as number,
      accExportWh: exports[pieces.length - 1] as number,
      anchor: reading,
      flags: estimated,
    },
  };
}

interface Span {
  readonly startMs: number;
  readonly endMs: number;
}

/**
 * A reading inside the open interval: the energy since the anchor is this interval's for certain, so the
 * anchor moves to the reading. A later missed boundary then splits only what came between the last
 * reading before the gap and the first after it. A reading outside `[anchor, end)` or below the anchor's
 * registers changes nothing (`advance` and `rebaseline` deal with those).
 */
export function absorb(open: OpenInterval, reading: RegisterReading): OpenInterval {
  const dImport = reading.importWh - open.anchor.importWh;
  const dExport = reading.exportWh - open.anchor.exportWh;
  if (reading.atMs < open.anchor.atMs || reading.atMs >= open.endMs || dImport < 0 || dExport < 0) return open;
  return { ...open, accImportWh: open.accImportWh + dImport, accExportWh: open.accExportWh + dExport, anchor: reading };
}

/**
 * The meter's register fell (meter replaced or reset). The energy up to the last good reading stays in
 * the open interval; the new register becomes the anchor; the interval is flagged `registerReset`.
 * No energy is ever negative: what happened between the last good reading and the reset is unknown.
 */
export function rebaseline(open: OpenInterval, lastGood: RegisterReading | null, reading: RegisterReading): OpenInterval {
  const before =
    lastGood && lastGood.importWh >= open.anchor.importWh && lastGood.exportWh >= open.anchor.exportWh ? lastGood : open.anchor;
  return {
    ...open,
    accImportWh: open.accImportWh + (before.importWh - open.anchor.importWh),
    accExportWh: open.accExportWh + (before.exportWh - open.anchor.exportWh),
    anchor: reading,
    flags: withFlags(open.flags, ["registerReset"]),
  };
}

/** Add flags to a closed interval. */
export function flagClosed(c: ClosedInterval, extra: readonly string[]): ClosedInterval {
  return extra.length === 0 ? c : { ...c, flags: withFlags(c.flags, extra) };
}

/**
 * A gap too long to spread over intervals (days: a meter silent that long, or a clock step): the open
 * interval takes all the energy up to `r` and closes at its own end, flagged `flags`; the interval
 * holding `r` opens there (`clockStepped`), never before that end. The intervals between are not written.
 */
export function closeAcrossGap(open: OpenInterval, r: RegisterReading, lengthS: number, flags: readonly string[]): AdvanceResult {
  const res = advance(flagOpen(open, flags), { ...r, atMs: open.endMs }, { lengthS, toleranceMs: 0 });
  return { closed: res.closed, open: openAt(r, lengthS, ["clockStepped"], res.open.startMs) };
}

/** Add flags to the open interval. */
export function flagOpen(open: OpenInterval, flags: readonly string[]): OpenInterval {
  const next = withFlags(open.flags, flags);
  return next.length === open.flags.length ? open : { ...open, flags: next };
}

/**
 * The wall clock was corrected by `deltaMs` (its first synchronization): move the open interval and its
 * anchor onto the corrected timeline — re-aligned, but never before `notBeforeMs` (the end of the last
 * interval already closed), so no interval is stamped twice.
 */
export function shiftOpen(open: OpenInterval, deltaMs: number, lengthS: number, notBeforeMs: number): OpenInterval {
  const anchorMs = open.anchor.atMs + deltaMs;
  // With nothing attributed before the anchor, the interval is the one holding the anchor; otherwise it
  // keeps its own start (its energy came before the anchor). Either way it spans one slot.
  const fresh = open.accImportWh === 0 && open.accExportWh === 0;
  const startMs = Math.max(alignDown(fresh ? anchorMs : open.startMs + deltaMs, lengthS), notBeforeMs);
  const endMs = fresh ? nextBoundary(Math.max(startMs, anchorMs), lengthS) : nextBoundary(startMs, lengthS);
  return { ...open, startMs, endMs, anchor: { ...open.anchor, atMs: anchorMs } };
}

/**
 * The synchronized wall clock stepped forward to `nowMs`. A step that stays inside the open interval
 * closes nothing: the interval keeps collecting until its end (flagged `clockStepped`). A step past its
 * end closes it at once with the energy up to `regs` (the last reading); the intervals the step jumped
 * over are closed with 0 Wh, so none is missing; the interval holding `nowMs` opens with its anchor
 * there. All are flagged `clockStepped`. Precondition: `regs` are not below the anchor.
 */
export function stepForward(
  open: OpenInterval,
  regs: { importWh: number; exportWh: number },
  nowMs: number,
  lengthS: number,
): AdvanceResult {
  if (nowMs < open.endMs) return { closed: [], open: flagOpen(open, ["clockStepped"]) };
  const opts = { lengthS, toleranceMs: 0 };
  const first = advance(flagOpen(open, ["clockStepped"]), { ...regs, atMs: open.endMs }, opts);
  const rest = advance(first.open, { ...regs, atMs: Math.max(nowMs, first.open.startMs) }, opts);
  const mark = (c: ClosedInterval): ClosedInterval => ({ ...c, flags: withFlags(c.flags, ["clockStepped"]) });
  return { closed: [...first.closed, ...rest.closed].map(mark), open: flagOpen(rest.open, ["clockStepped"]) };
}

/**
 * Lay `old` (one owner's intervals, contiguous, in order) on the grid again over `[fromMs, toMs)`: a clock
 * correction, where `fromMs`/`toMs` are the span's true ends. The energy and the end registers stay
 * exactly the same; it is shared by time (intervals that got a share of a split are flagged `estimated`),
 * and every new interval keeps the old intervals' flags (bar `estimated`) plus `extra`. The first starts
 * no earlier than `notBeforeMs` (the owner's last interval already on the grid).
 */
export function regrid(
  old: readonly ClosedInterval[],
  span: { readonly fromMs: number; readonly toMs: number; readonly notBeforeMs?: number },
  lengthS: number,
  extra: readonly string[],
): ClosedInterval[] {
  const last = old[old.length - 1];
  if (!last) return [];
  const importWh = old.reduce((a, c) => a + c.importWh, 0);
  const exportWh = old.reduce((a, c) => a + c.exportWh, 0);
  const flags = withFlags(
    old.flatMap((c) => c.flags).filter((f) => f !== "estimated"),
    extra,
  );
  // Across a register reset (`registerReset`) the registers do not chain; they are then counted from
  // where the energy fits, never below zero, and the flag says so.
  const endImport = Math.max(last.endImportWh, importWh);
  const endExport = Math.max(last.endExportWh, exportWh);
  const begin = { atMs: span.fromMs, importWh: endImport - importWh, exportWh: endExport - exportWh };
  const open = openAt(begin, lengthS, flags, span.notBeforeMs);
  const end = { atMs: Math.max(span.toMs, open.startMs), importWh: endImport, exportWh: endExport };
  const res = advance({ ...open, anchor: { ...begin, atMs: Math.max(begin.atMs, open.startMs) } }, end, {
    lengthS,
    toleranceMs: 0,
    final: true,
  });
  return res.closed.map((c) => ({ ...c, flags: withFlags(c.flags, flags).sort() }));
}
