/** OCPP 1.6 connector status names: operators already know them. */
export type ConnectorStatus =
  "Available" | "Preparing" | "Charging" | "SuspendedEV" | "SuspendedEVSE" | "Finishing" | "Reserved" | "Unavailable" | "Faulted";

/** OCPP 1.6 stop reasons, plus OCPP 2.0.1's EnergyLimitReached / CostLimitReached for prepaid limits. */
export type StopReason =
  | "EmergencyStop"
  | "EVDisconnected"
  | "HardReset"
  | "Local"
  | "Other"
  | "PowerLoss"
  | "Reboot"
  | "Remote"
  | "SoftReset"
  | "UnlockCommand"
  | "DeAuthorized"
  | "EnergyLimitReached"
  | "CostLimitReached";
