import type { ChargeSnapshot } from "../../src/app/bus.js";

/** The controller's snapshot of an idle, available station with no vehicle. */
export function idleSnapshot(at = 0): ChargeSnapshot {
  return {
    at,
    status: "Available",
    pilot: "A",
    offeredA: 0,
    dutyPct: 100,
    contactorClosed: false,
    authorized: false,
    tokenId: null,
    authorizationSource: null,
    stopReason: null,
    available: true,
    faults: [],
    vehiclePresent: false,
  };
}
