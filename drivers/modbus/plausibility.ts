import type { MeterReading } from "../types.js";

export interface PlausibilityLimits {
  /** Rated maximum power of what the meter measures, W (e.g. 32 A × 230 V × 3). */
  readonly maxPowerW: number;
  /** Nominal phase voltage, V. */
  readonly nominalVoltageV: number;
}

/** Register resolution allowance for energy steps (a 0.01 kWh register moves in 10 Wh steps). */
const ENERGY_SLACK_WH = 20;
/** No meter displays more than this; larger values are garbage (e.g. swapped words). */
const MAX_REGISTER_WH = 1e10;

/**
 * Plausibility of meter readings (after openWB): every value finite; |power| ≤ 2 × Pmax; voltages
 * within 0…2 × nominal; frequency 40–70 Hz; energy registers within 0…1e10 Wh, never decreasing,
 * and never rising by more than 2 × elapsed × Pmax (+ register resolution) since the last accepted
 * reading. `check` is pure; only `accept` moves the baseline.
 */
export class Plausibility {
  private last: { importWh: number; exportWh: number; at: number } | undefined;

  constructor(private readonly limits: PlausibilityLimits) {}

  /** The first problem with `r` taken at monotonic `atMs`, or undefined when plausible. */
  check(r: MeterReading, atMs: number): string | undefined {
    const { maxPowerW, nominalVoltageV } = this.limits;
    const values: [string, number][] = [
      ["importWh", r.importWh],
      ["exportWh", r.exportWh],
      ["powerW", r.powerW],
      ...r.voltageV.map((v, i): [string, number] => [`voltageV[${i}]`, v]),
      ...r.currentA.map((v, i): [string, number] => [`currentA[${i}]`, v]),
      ...(r.frequencyHz !== undefined ? [["frequencyHz", r.frequencyHz] as [string, number]] : []),
    ];
    for (const [name, v] of values) if (!Number.isFinite(v)) return `${name} is not a number`;
    if (Math.abs(r.powerW) > 2 * maxPowerW) return `powerW ${r.powerW} beyond 2 × rated ${maxPowerW} W`;
    for (const [i, v] of r.voltageV.entries()) {
      if (v < 0 || v > 2 * nominalVoltageV) return `voltageV[${i}] ${v} outside 0…${2 * nominalVoltageV} V`;
    }
    for (const [i, a] of r.currentA.entries()) {
      if (Math.abs(a) > (4 * maxPowerW) / nominalVoltageV) return `currentA[${i}] ${a} beyond any plausible current`;
    }
    if (r.frequencyHz !== undefined && r.frequencyHz !== 0 && (r.frequencyHz < 40 || r.frequencyHz > 70)) {
      return `frequencyHz ${r.frequencyHz} outside 40…70 Hz`;
    }
    for (const key of ["importWh", "exportWh"] as const) {
      const v = r[key];
      if (v < 0 || v > MAX_REGISTER_WH) return `${key} ${v} outside 0…${MAX_REGISTER_WH} Wh`;
      if (!this.last) continue;
      const prev = this.last[key];
      if (v < prev) return `${key} decreased from ${prev} to ${v} Wh`;
      const hours = Math.max(0, atMs - this.last.at) / 3_600_000;
      const maxStep = 2 * hours * maxPowerW + ENERGY_SLACK_WH;
      if (v - prev > maxStep) return `${key} rose by ${v - prev} Wh in ${Math.round(hours * 3600)} s (max ${Math.round(maxStep)} Wh)`;
    }
    return undefined;
  }

  /** Make `r` (already checked) the baseline for the next check. */
  accept(r: MeterReading, atMs: number): void {
    this.last = { importWh: r.importWh, exportWh: r.exportWh, at: atMs };
  }
}
