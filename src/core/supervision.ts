import type { FaultCode } from "../../drivers/types.js";

/**
 * Safety supervision as pure rules over contactor feedback and measured current:
 * - weld: feedback closed while commanded open for `feedbackSettleMs` → ContactorWelded;
 * - stuck open: feedback open while commanded closed for `feedbackSettleMs` → ContactorStuckOpen;
 * - soft overcurrent (EVerest): any phase above offered × 1.1 + 0.5 A for more than
 *   `overCurrentGraceMs` → OverCurrent. "Offered" is the highest offer of the last grace period,
 *   because a vehicle has that long to follow a lowered offer.
 * All times are monotonic ms.
 */
export interface SupervisionConfig {
  readonly feedbackSettleMs: number;
  readonly overCurrentGraceMs: number;
}

export interface SupervisionState {
  readonly commanded: boolean;
  readonly feedback: boolean | undefined;
  readonly mismatchSince: number | null;
  readonly overSince: number | null;
  /** Offers of the last grace period, newest last: [monotonic ms, A]. */
  readonly offers: readonly (readonly [number, number])[];
}

export type SupervisionInput =
  | { readonly type: "contactor"; readonly commanded: boolean; readonly feedback: boolean | undefined }
  | { readonly type: "offer"; readonly amps: number }
  | { readonly type: "current"; readonly amps: readonly number[] }
  | { readonly type: "tick" };

export interface SupervisionResult {
  readonly state: SupervisionState;
  readonly fault: FaultCode | null;
  readonly wakeAt: number | null;
}

export const OVERCURRENT_RATIO = 1.1;
export const OVERCURRENT_MARGIN_A = 0.5;

export function initialSupervision(): SupervisionState {
  return { commanded: false, feedback: undefined, mismatchSince: null, overSince: null, offers: [[Number.NEGATIVE_INFINITY, 0]] };
}

function allowedCurrent(s: SupervisionState, now: number, graceMs: number): number {
  let highest = 0;
  for (let i = s.offers.length - 1; i >= 0; i--) {
    const [at, amps] = s.offers[i] as readonly [number, number];
    highest = Math.max(highest, amps);
    // The offer in force at the start of the grace window counts too; older ones do not.
    if (at <= now - graceMs) break;
  }
  return highest * OVERCURRENT_RATIO + OVERCURRENT_MARGIN_A;
}

export function supervise(cfg: SupervisionConfig, prev: SupervisionState, input: SupervisionInput, now: number): SupervisionResult {
  let s = prev;
  let fault: FaultCode | null = null;
  let wakeAt: number | null = null;

  if (input.type === "contactor") s = { ...s, commanded: input.commanded, feedback: input.feedback };
  if (input.type === "offer") {
    const kept = s.offers.filter(([at], i) => i === s.offers.length - 1 || at > now - cfg.overCurrentGraceMs);
    s = { ...s, offers: [...kept, [now, input.amps]] };
  }

  // Feedback agreement.
  const mismatch = s.feedback !== undefined && s.feedback !== s.commanded;
  if (!mismatch) {
    if (s.mismatchSince !== null) s = { ...s, mismatchSince: null };
  } else {
    const since = input.type === "contactor" && prev.commanded !== s.commanded ? now : (s.mismatchSince ?? now);
    s = { ...s, mismatchSince: since };
    if (now - since >= cfg.feedbackSettleMs) fault = s.commanded ? "ContactorStuckOpen" : "ContactorWelded";
    else wakeAt = since + cfg.feedbackSettleMs;
  }

  // Soft overcurrent.
  if (input.type === "current") {
    const over = input.amps.some((a) => a > allowedCurrent(s, now, cfg.overCurrentGraceMs));
    if (!over) {
      if (s.overSince !== null) s = { ...s, overSince: null };
    } else {
      const since = s.overSince ?? now;
      s = { ...s, overSince: since };
      if (now - since > cfg.overCurrentGraceMs) fault ??= "OverCurrent";
    }
  }
  return { state: s, fault, wakeAt };
}
