import type { PilotOutput, PilotState } from "../types.js";

/** Pure physics of the simulated charger: current lag, phase voltages, the measured pilot state. */

/** Simulated time between two physics ticks (integration, voltage sample, battery-full check), ms. */
export const PHYSICS_TICK_MS = 1000;
/** The vehicle closes S2 (B → C) this long after it sees PWM and wants to charge, ms. */
export const S2_CLOSE_DELAY_MS = 500;
/** Without PWM a (non-stubborn) vehicle opens S2 (C → B) after this long, ms. */
export const S2_RELEASE_DELAY_MS = 1000;
/** Share of the metered energy that reaches the battery (and the vehicle's own count). */
export const CHARGING_EFFICIENCY = 0.98;
/** Peak deviation of each phase voltage from nominal (fraction) and the ripple period in ticks. */
const RIPPLE = 0.01;
const RIPPLE_PERIOD_TICKS = 120;

/**
 * First-order lag of the drawn current towards `targetA` with time constant `tauMs` over `dtMs`.
 * Returns the current at the end and its exact integral over the interval (ampere-seconds).
 */
export function lagStep(startA: number, targetA: number, tauMs: number, dtMs: number): { endA: number; ampSeconds: number } {
  if (dtMs <= 0) return { endA: startA, ampSeconds: 0 };
  if (tauMs <= 0) return { endA: targetA, ampSeconds: (targetA * dtMs) / 1000 };
  const decay = Math.exp(-dtMs / tauMs);
  const endA = targetA + (startA - targetA) * decay;
  const ampSeconds = (targetA * dtMs + (startA - targetA) * tauMs * (1 - decay)) / 1000;
  return { endA, ampSeconds };
}

/**
 * Phase voltages during physics tick `tick`: nominal with a small deterministic ripple, 120° apart.
 * Constant between ticks, so energy integrates exactly.
 */
export function phaseVoltages(nominalV: number, phases: number, tick: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < phases; i++) {
    out.push(nominalV * (1 + RIPPLE * Math.sin((2 * Math.PI * tick) / RIPPLE_PERIOD_TICKS + (2 * Math.PI * i) / 3)));
  }
  return out;
}

/** What the pilot sampler sees, from the line's physical condition. */
export interface PilotInputs {
  readonly output: PilotOutput;
  readonly plugged: boolean;
  readonly short: boolean;
  /** The vehicle's S2 switch is closed (it is ready: C, or D with ventilation). */
  readonly s2Closed: boolean;
  readonly ventilation: boolean;
  readonly diodeFault: boolean;
}

/**
 * The measured pilot state: a short reads 0 V (E) whatever the output; a constant −12 V output reads
 * F; otherwise the vehicle's resistors set A/B/C/D. The diode check fails while a vehicle without a
 * diode is plugged in (the negative plateau does not reach −12 V).
 */
export function measurePilot(p: PilotInputs): { state: PilotState; diodeOk: boolean } {
  const diodeOk = !(p.plugged && p.diodeFault);
  if (p.short) return { state: "E", diodeOk };
  if (p.output.mode === "off") return { state: "F", diodeOk };
  if (!p.plugged) return { state: "A", diodeOk };
  if (!p.s2Closed) return { state: "B", diodeOk };
  return { state: p.ventilation ? "D" : "C", diodeOk };
}

/** Round to `digits` decimals, for meter readings with a realistic resolution. */
export function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
