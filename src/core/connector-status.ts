import type { CoreState } from "./iec61851.js";
import type { ConnectorStatus } from "./status.js";

/**
 * The OCPP 1.6 connector status an operator sees, derived from the core state.
 * `Finishing`: a vehicle is still plugged in after its charging was stopped (stopReason set).
 */
export function connectorStatus(s: CoreState): ConnectorStatus {
  if (s.faults.length > 0) return "Faulted";
  if (!s.available || s.pilot === null) return "Unavailable";
  if (!s.plugged) return "Available";
  if (!s.authorization) return s.stopReason ? "Finishing" : "Preparing";
  if (s.contactorClosed) return s.output.mode === "pwm" ? "Charging" : "SuspendedEVSE";
  if (s.output.mode !== "pwm") return "SuspendedEVSE";
  // PWM offered and the contactor open: in B the vehicle does not want energy; in C/D we hold back
  // (D without ventilation, or the close is pending on a check).
  return s.pilot === "B" ? "SuspendedEV" : "SuspendedEVSE";
}
