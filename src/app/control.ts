import type { StopReason } from "../core/status.js";
import type { ChargeSnapshot } from "./bus.js";

/**
 * What services and commands may ask of the station. Implemented by the charge controller; the
 * services (uplink commands, authorization) receive this interface, never the drivers.
 */
export interface StationControl {
  /** Current snapshot of the charging state. */
  snapshot(): ChargeSnapshot;
  /** Authorize the present (or next) plug-in for `tokenId` (null = free vend / remote without id). */
  authorize(tokenId: string | null, source: "rfid" | "remote" | "pev" | "free" | "recovery"): void;
  /** End the running session (PWM off, contactor opens once the vehicle stops, at most 6 s later). */
  stopCharging(reason: StopReason): void;
  /** An external current limit in A (e.g. operator `setLimit`); null removes it. Below 6 A pauses. */
  setLimit(source: string, amps: number | null): void;
  /** Operative (true) or Inoperative (false): inoperative shows state F and never closes. */
  setAvailability(available: boolean): void;
  /** Clear latched faults; conditions still present latch again at once. */
  clearFaults(): void;
}
