import type { FaultCode, PilotState } from "../types.js";

/**
 * OpenEVSE controller states and flags (firmware/open_evse/J1772EvseController.h), and what they
 * mean in evsed's terms. Pure data and lookups; no policy.
 */
export const EvseState = {
  A: 0x01,
  B: 0x02,
  C: 0x03,
  D: 0x04,
  DiodeCheckFailed: 0x05,
  GfciFault: 0x06,
  NoGround: 0x07,
  StuckRelay: 0x08,
  GfiTestFailed: 0x09,
  OverTemperature: 0x0a,
  OverCurrent: 0x0b,
  RelayClosureFault: 0x0e,
  PpShorted: 0x0f,
  PpMissing: 0x10,
  EepromFailure: 0x11,
  Sleeping: 0xfe,
  Disabled: 0xff,
} as const;

/** Volatile flags (`m_wVFlags`) reported in `$GS` and `$AT`. */
export const VFlag = {
  HardFault: 0x0002,
  ChargingOn: 0x0040,
  GfiTripped: 0x0080,
  EvConnected: 0x0100,
} as const;

const FAULTS: ReadonlyMap<number, { code: FaultCode; detail: string }> = new Map([
  [EvseState.DiodeCheckFailed, { code: "DiodeFault", detail: "diode check failed" }],
  [EvseState.GfciFault, { code: "GroundFault", detail: "GFCI tripped" }],
  [EvseState.NoGround, { code: "NoGround", detail: "no ground" }],
  [EvseState.StuckRelay, { code: "StuckRelay", detail: "stuck relay" }],
  [EvseState.GfiTestFailed, { code: "GfiSelfTestFailed", detail: "GFI self-test failed" }],
  [EvseState.OverTemperature, { code: "OverTemperature", detail: "over temperature" }],
  [EvseState.OverCurrent, { code: "OverCurrent", detail: "over current" }],
  [EvseState.RelayClosureFault, { code: "RelayClosureFault", detail: "relay closure fault" }],
  [EvseState.PpShorted, { code: "PilotFault", detail: "proximity pin shorted" }],
  [EvseState.PpMissing, { code: "PilotFault", detail: "proximity resistor missing" }],
  [EvseState.EepromFailure, { code: "InternalError", detail: "controller EEPROM failure" }],
]);

/** `$AB` power-on self-test codes other than 00 (ok). */
const POST_FAULTS: ReadonlyMap<number, { code: FaultCode; detail: string }> = new Map([
  [0x07, { code: "NoGround", detail: "power-on self-test: bad ground" }],
  [0x08, { code: "StuckRelay", detail: "power-on self-test: stuck relay" }],
  [0x09, { code: "GfiSelfTestFailed", detail: "power-on self-test: GFI test failed" }],
]);

/** The fault an EVSE state stands for, or undefined for A–D, sleeping and disabled. */
export function faultOfState(evseState: number): { code: FaultCode; detail: string } | undefined {
  return FAULTS.get(evseState);
}

/** The fault a `$AB` post code stands for (undefined for 00 and codes the firmware does not define). */
export function faultOfPostCode(post: number): { code: FaultCode; detail: string } | undefined {
  return POST_FAULTS.get(post);
}

/** Whether `evseState` is a value the firmware defines. */
export function isKnownEvseState(evseState: number): boolean {
  return (evseState >= 0x01 && evseState <= 0x11 && evseState !== 0x0c && evseState !== 0x0d) || evseState >= 0xfe;
}

/**
 * The measured pilot as evsed sees it. The pilot-state field (01–04) is what the controller read
 * from the vehicle. A disabled controller holds the pilot at −12 V and cannot see the vehicle: F.
 */
export function pilotOf(evseState: number, pilotState: number): PilotState {
  if (evseState === EvseState.Disabled) return "F";
  switch (pilotState) {
    case EvseState.A:
      return "A";
    case EvseState.B:
      return "B";
    case EvseState.C:
      return "C";
    case EvseState.D:
      return "D";
    default:
      return "F";
  }
}

/** A decoded `$GS` reply or `$AT` notification. */
export interface ControllerStatus {
  readonly evseState: number;
  readonly pilotState: number;
  readonly vflags: number;
}

/** Parse `$GS` params (`evsestate elapsed pilotstate vflags`) or `$AT` params (`evse pilot amps vflags`). */
export function parseStatus(params: readonly string[], kind: "GS" | "AT"): ControllerStatus | undefined {
  if (params.length < 4) return undefined;
  const [evseHex, second, third, flagsHex] = params as [string, string, string, string];
  const pilotHex = kind === "GS" ? third : second;
  const numeric = kind === "GS" ? second : third;
  if (!/^[0-9a-fA-F]{1,2}$/.test(evseHex) || !/^[0-9a-fA-F]{1,2}$/.test(pilotHex) || !/^[0-9a-fA-F]{1,4}$/.test(flagsHex)) return undefined;
  if (!/^-?\d+$/.test(numeric)) return undefined;
  const evseState = Number.parseInt(evseHex, 16);
  if (!isKnownEvseState(evseState)) return undefined;
  return { evseState, pilotState: Number.parseInt(pilotHex, 16), vflags: Number.parseInt(flagsHex, 16) };
}
