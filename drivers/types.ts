/**
 * The small hardware interfaces evsed runs on. Every driver — simulated, GPIO, RAPI, Modbus, serial —
 * implements these and nothing else; the core and the services never see a port, a pin or a register.
 *
 * Shared rules for every driver:
 * - Drivers are dumb: they turn hardware into events and commands into hardware. No IEC 61851 rules,
 *   no policy, no retries that change meaning.
 * - Listeners are called synchronously from the driver's own I/O callback, never re-entrantly from a
 *   command method. A listener that throws does not break the driver.
 * - `start()` opens the hardware and resolves once it is usable or rejects with a clear error naming the
 *   device; `stop()` releases it and never rejects.
 * - Units: volts, amperes, watts, watt-hours (integers for registers), milliseconds.
 */

/** Removes the listener it was returned for. */
export type Unsubscribe = () => void;

/** The measured control-pilot state (positive plateau, IEC 61851-1 / SAE J1772 table A1). */
export type PilotState = "A" | "B" | "C" | "D" | "E" | "F";

/**
 * What the EVSE puts on the pilot line:
 * - `standby`: constant +12 V (x1: B1/C1, charging not allowed, or state A with nothing offered);
 * - `pwm`: 1 kHz PWM at `dutyPct` (x2: B2/C2), offering `currentA`;
 * - `off`: constant −12 V (state F, EVSE not available).
 */
export type PilotOutput =
  { readonly mode: "standby" } | { readonly mode: "pwm"; readonly dutyPct: number; readonly currentA: number } | { readonly mode: "off" };

/** Latched fault codes. Drivers report the hardware ones; the core and supervisor raise the rest. */
export type FaultCode =
  | "DiodeFault"
  | "PilotShort"
  | "PilotFault"
  | "GroundFault"
  | "NoGround"
  | "StuckRelay"
  | "RelayClosureFault"
  | "GfiSelfTestFailed"
  | "OverTemperature"
  | "OverCurrent"
  | "ContactorWelded"
  | "ContactorStuckOpen"
  | "ControllerLost"
  | "InternalError";

export type PilotEvent =
  /** A (debounced) pilot reading. `diodeOk` is false when the negative plateau did not reach −12 V. */
  | { readonly kind: "state"; readonly state: PilotState; readonly diodeOk: boolean }
  /** A hardware fault seen by the pilot controller (e.g. an OpenEVSE GFCI trip). */
  | { readonly kind: "fault"; readonly code: FaultCode; readonly detail: string }
  /** The controller is (un)reachable; while unreachable the pilot state is unknown. */
  | { readonly kind: "link"; readonly up: boolean; readonly detail: string };

/** Control pilot generator and sampler (a coprocessor or the simulator; a Pi cannot do it itself). */
export interface Pilot {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Apply the output as soon as possible. Never blocks; the last call wins. */
  setOutput(output: PilotOutput): void;
  on(listener: (event: PilotEvent) => void): Unsubscribe;
}

/**
 * The contactor (or relay) that switches the supply to the vehicle.
 * `set(false)` must take effect synchronously where the hardware allows (a GPIO write): it is the
 * safety path. Feedback, when present, reports the real contact position (auxiliary contact or
 * voltage sense), debounced by the driver.
 */
export interface Contactor {
  start(): Promise<void>;
  stop(): Promise<void>;
  set(closed: boolean): void;
  /** The last commanded position. */
  readonly commanded: boolean;
  /** Whether `feedback()` and `onFeedback` carry real information. */
  readonly hasFeedback: boolean;
  /** The sensed position, or undefined without feedback. */
  feedback(): boolean | undefined;
  onFeedback(listener: (closed: boolean) => void): Unsubscribe;
}

/** One complete meter reading. Registers are cumulative and never decrease on a healthy meter. */
export interface MeterReading {
  /** Cumulative imported energy register, Wh (integer). */
  readonly importWh: number;
  /** Cumulative exported energy register, Wh (integer); 0 where the meter has none. */
  readonly exportWh: number;
  /** Total active power, W; positive = import. */
  readonly powerW: number;
  /** Per-phase voltage, V (1 or 3 entries). */
  readonly voltageV: readonly number[];
  /** Per-phase current, A (1 or 3 entries). */
  readonly currentA: readonly number[];
  readonly frequencyHz?: number;
}

/** The end-use measurement device (EUMD) or a grid meter. */
export interface Meter {
  start(): Promise<void>;
  stop(): Promise<void>;
  /**
   * Read every register once. Rejects with an Error naming the meter and the problem (timeout, CRC,
   * exception reply, implausible value); a rejected read changes nothing.
   */
  read(): Promise<MeterReading>;
}

export interface TokenEvent {
  /** Normalized identifier: upper-case hex UID for RFID cards. */
  readonly id: string;
  readonly source: "rfid" | "sim";
}

/** A token (RFID card) reader. Repeated reads of one card are debounced by the driver. */
export interface TokenReader {
  start(): Promise<void>;
  stop(): Promise<void>;
  on(listener: (token: TokenEvent) => void): Unsubscribe;
}

export type PevLinkEvent =
  /** The vehicle identified itself (e.g. its VIN) after plug-in. */
  | {
      readonly kind: "connected";
      readonly pevId: string;
      /** Energy the vehicle asks for, Wh, where it says. */
      readonly energyRequestWh?: number;
    }
  /** The vehicle's own count of energy received in this connection, Wh. */
  | { readonly kind: "energy"; readonly vehicleEnergyWh: number }
  | { readonly kind: "disconnected" };

/** A data link to the vehicle (ISO 15118, a telematics bridge, or the simulator). */
export interface PevLink {
  start(): Promise<void>;
  stop(): Promise<void>;
  on(listener: (event: PevLinkEvent) => void): Unsubscribe;
}

/** Opaque handle of a scheduled callback. */
export interface TimerHandle {
  cancel(): void;
}

/**
 * Time, injected everywhere so tests and the simulator can run it faster or step it by hand.
 * - `now()` is wall-clock UTC in ms; it may step when the system clock is set, so never use it to
 *   measure durations.
 * - `monotonic()` never decreases; all durations and timers use it.
 * - Timers fire in due order; a timer never fires synchronously inside `setTimer`.
 */
export interface Clock {
  now(): number;
  monotonic(): number;
  setTimer(delayMs: number, fn: () => void): TimerHandle;
  /** True once the wall clock is believed synchronized (NTP or a trusted set). */
  isSynced(): boolean;
}
