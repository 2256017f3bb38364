import type { FaultCode, PilotOutput, PilotState } from "../../drivers/types.js";
import { offerFor, sameOutput } from "./duty.js";
import type { StopReason } from "./status.js";

/**
 * The IEC 61851-1 charging state machine, as a pure function:
 * `step(config, state, event, now) → { state, commands, wakeAt }`.
 *
 * Rules it guarantees (FACTS.md, control pilot):
 * - The contactor closes only when authorized, PWM is on (x2) and the vehicle is in C — or in D where
 *   the site has ventilation — with the diode check passed and no latched fault.
 * - It opens at once on A, E, F, a diode fault, any fault, unavailability, an unknown pilot, C→B, and
 *   D without ventilation; when PWM goes off while the vehicle stays in C (C1) it opens after
 *   `c1ForceOpenMs` at the latest.
 * - Below 6 A nothing is offered (+12 V, no PWM). A latched fault or unavailability shows F (−12 V).
 * - At most one PWM change per `dutyChangeMinIntervalMs`; dropping the offer to stop is immediate.
 * - Faults latch until `clearFaults`.
 * Commands that open the contactor come before pilot changes; closing comes after them.
 * `now` is monotonic ms. `wakeAt` asks for a `tick` event at that time.
 */

export interface CoreConfig {
  /** Highest current ever offered: min(board rating, configured station limit). */
  readonly maxCurrentA: number;
  readonly dutyChangeMinIntervalMs: number;
  readonly c1ForceOpenMs: number;
  readonly ventilationAllowed: boolean;
}

export interface Authorization {
  readonly tokenId: string | null;
  readonly source: "rfid" | "remote" | "pev" | "free" | "recovery";
}

export interface CoreState {
  /** Measured pilot; null until the first reading and while the pilot controller is unreachable. */
  readonly pilot: PilotState | null;
  /**
   * Whether a vehicle is connected: set by B, C, D; cleared by A; kept through E, F and an unknown
   * pilot, which say nothing about the cable. Unplugging ends the authorization.
   */
  readonly plugged: boolean;
  readonly diodeOk: boolean;
  readonly authorization: Authorization | null;
  /** Why charging was last stopped while the vehicle stayed plugged in; cleared at unplug. */
  readonly stopReason: StopReason | null;
  readonly available: boolean;
  /** The composed current limit, A (the minimum of every limit source). */
  readonly limitA: number;
  readonly output: PilotOutput;
  readonly lastOutputChangeAt: number | null;
  readonly contactorClosed: boolean;
  /** Since when PWM has been off while the contactor is still closed (C1). */
  readonly c1Since: number | null;
  readonly faults: readonly FaultCode[];
}

export type CoreEvent =
  | { readonly type: "pilot"; readonly state: PilotState; readonly diodeOk: boolean }
  | { readonly type: "pilotLost" }
  | { readonly type: "authorize"; readonly authorization: Authorization }
  | { readonly type: "deauthorize"; readonly reason: StopReason }
  | { readonly type: "limit"; readonly amps: number }
  | { readonly type: "availability"; readonly available: boolean }
  | { readonly type: "fault"; readonly code: FaultCode }
  | { readonly type: "clearFaults" }
  | { readonly type: "tick" };

export type CoreCommand =
  { readonly type: "contactor"; readonly closed: boolean } | { readonly type: "pilot"; readonly output: PilotOutput };

export interface StepResult {
  readonly state: CoreState;
  readonly commands: readonly CoreCommand[];
  /** Monotonic ms at which the machine needs a `tick`, or null. */
  readonly wakeAt: number | null;
}

/** The state at boot: contactor open, nothing offered, nothing known. */
export function initialState(limitA: number): CoreState {
  return {
    pilot: null,
    plugged: false,
    diodeOk: true,
    authorization: null,
    stopReason: null,
    available: true,
    limitA,
    output: { mode: "standby" },
    lastOutputChangeAt: null,
    contactorClosed: false,
    c1Since: null,
    faults: [],
  };
}

export function vehiclePresent(pilot: PilotState | null): boolean {
  return pilot === "B" || pilot === "C" || pilot === "D";
}

function withFault(faults: readonly FaultCode[], code: FaultCode): readonly FaultCode[] {
  return faults.includes(code) ? faults : [...faults, code];
}

/** Apply the event to the inputs; no decisions yet. */
function applyEvent(s: CoreState, e: CoreEvent): CoreState {
  switch (e.type) {
    case "pilot": {
      let faults = s.faults;
      if (e.state === "E") faults = withFault(faults, "PilotShort");
      // F measured while the EVSE is not driving −12 V means the pilot circuit itself is broken.
      if (e.state === "F" && s.output.mode !== "off") faults = withFault(faults, "PilotFault");
      if (!e.diodeOk && vehiclePresent(e.state)) faults = withFault(faults, "DiodeFault");
      const plugged = e.state === "A" ? false : vehiclePresent(e.state) ? true : s.plugged;
      const unplugged = s.plugged && !plugged;
      return {
        ...s,
        pilot: e.state,
        plugged,
        diodeOk: e.diodeOk,
        faults,
        authorization: unplugged ? null : s.authorization,
        stopReason: unplugged ? null : s.stopReason,
      };
    }
    case "pilotLost":
      return { ...s, pilot: null };
    case "authorize":
      return { ...s, authorization: e.authorization, stopReason: null };
    case "deauthorize":
      return s.authorization ? { ...s, authorization: null, stopReason: e.reason } : s;
    case "limit":
      return { ...s, limitA: e.amps };
    case "availability":
      return { ...s, available: e.available };
    case "fault":
      return { ...s, faults: withFault(s.faults, e.code) };
    case "clearFaults":
      return { ...s, faults: [] };
    case "tick":
      return s;
  }
}

function desiredOutput(cfg: CoreConfig, s: CoreState): PilotOutput {
  if (s.faults.length > 0 || !s.available) return { mode: "off" };
  if (!vehiclePresent(s.pilot) || !s.authorization) return { mode: "standby" };
  return offerFor(Math.min(s.limitA, cfg.maxCurrentA));
}

/**
 * Conditions under which the contactor must open at once. A missing authorization is not one of them:
 * a stop withdraws PWM first and gives the vehicle time to leave C (see C1 in `step`).
 */
function mustOpenNow(cfg: CoreConfig, s: CoreState): boolean {
  if (s.faults.length > 0 || !s.available || !s.diodeOk) return true;
  if (s.pilot === "C") return false;
  return !(s.pilot === "D" && cfg.ventilationAllowed);
}

export function step(cfg: CoreConfig, prev: CoreState, event: CoreEvent, now: number): StepResult {
  let s = applyEvent(prev, event);
  const opens: CoreCommand[] = [];
  const rest: CoreCommand[] = [];
  const wakes: number[] = [];

  // Pilot output, rate-limited except for dropping the offer.
  const want = desiredOutput(cfg, s);
  if (!sameOutput(want, s.output)) {
    const stopping = want.mode !== "pwm";
    const readyAt = s.lastOutputChangeAt === null ? now : s.lastOutputChangeAt + cfg.dutyChangeMinIntervalMs;
    if (stopping || now >= readyAt) {
      s = { ...s, output: want, lastOutputChangeAt: now };
      rest.push({ type: "pilot", output: want });
    } else {
      wakes.push(readyAt);
    }
  }

  // Contactor.
  if (s.contactorClosed) {
    if (mustOpenNow(cfg, s)) {
      s = { ...s, contactorClosed: false, c1Since: null };
      opens.push({ type: "contactor", closed: false });
    } else if (s.output.mode !== "pwm") {
      // C1: PWM withdrawn (stop, or a limit below 6 A) while the vehicle still draws: it gets time to
      // go to B; after c1ForceOpenMs the contactor opens under load anyway.
      const since = s.c1Since ?? now;
      if (now - since >= cfg.c1ForceOpenMs) {
        s = { ...s, contactorClosed: false, c1Since: null };
        opens.push({ type: "contactor", closed: false });
      } else {
        s = { ...s, c1Since: since };
        wakes.push(since + cfg.c1ForceOpenMs);
      }
    } else if (s.c1Since !== null) {
      s = { ...s, c1Since: null };
    }
  } else {
    if (!mustOpenNow(cfg, s) && s.authorization && s.output.mode === "pwm") {
      s = { ...s, contactorClosed: true };
      rest.push({ type: "contactor", closed: true });
    }
    if (s.c1Since !== null) s = { ...s, c1Since: null };
  }

  const wakeAt = wakes.length > 0 ? Math.min(...wakes) : null;
  return { state: s, commands: [...opens, ...rest], wakeAt };
}
