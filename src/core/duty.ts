import type { PilotOutput } from "../../drivers/types.js";

/** Lowest current that may be offered (IEC 61851-1): below it the pilot carries no PWM. */
export const MIN_CURRENT_A = 6;
/** Highest current the duty-cycle formula can express. */
export const MAX_CURRENT_A = 80;

/**
 * PWM duty (%) that offers `amps` (IEC 61851-1 / SAE J1772):
 * 6–51 A: duty = A / 0.6; 51–80 A: duty = A / 2.5 + 64. Rounded to 0.1 %.
 * Throws RangeError outside 6–80 A or for a non-finite value: callers decide what "no offer" means.
 */
export function dutyForCurrent(amps: number): number {
  if (!Number.isFinite(amps) || amps < MIN_CURRENT_A || amps > MAX_CURRENT_A) {
    throw new RangeError(`cannot offer ${amps} A: the pilot expresses ${MIN_CURRENT_A}–${MAX_CURRENT_A} A`);
  }
  const duty = amps <= 51 ? amps / 0.6 : amps / 2.5 + 64;
  return Math.round(duty * 10) / 10;
}

/**
 * Current (A) a vehicle may draw at `dutyPct`, the inverse of `dutyForCurrent`; 0 where the duty
 * offers nothing (below 8 %, e.g. 5 % = digital communication requested, or above 97 %).
 */
export function currentForDuty(dutyPct: number): number {
  if (!Number.isFinite(dutyPct) || dutyPct < 8 || dutyPct > 97) return 0;
  if (dutyPct < 10) return MIN_CURRENT_A;
  const amps = dutyPct <= 85 ? dutyPct * 0.6 : (dutyPct - 64) * 2.5;
  return Math.min(MAX_CURRENT_A, Math.round(amps * 10) / 10);
}

/**
 * The pilot output that offers at most `amps`: PWM when 6 A or more can be offered (capped at 80 A),
 * constant +12 V (nothing offered) otherwise — including NaN and negatives.
 */
export function offerFor(amps: number): PilotOutput {
  if (!Number.isFinite(amps) || amps < MIN_CURRENT_A) return { mode: "standby" };
  const capped = Math.min(amps, MAX_CURRENT_A);
  return { mode: "pwm", dutyPct: dutyForCurrent(capped), currentA: capped };
}

export function sameOutput(a: PilotOutput, b: PilotOutput): boolean {
  if (a.mode !== b.mode) return false;
  return a.mode !== "pwm" || (b.mode === "pwm" && a.dutyPct === b.dutyPct);
}
