import type { Static } from "@sinclair/typebox";
import type { RapiPilotSpec } from "../../src/config/board-schema.js";
import { type DriverLog, quietLog } from "../driver-log.js";
import type { SerialBinding } from "../serial.js";
import type { Clock } from "../types.js";
import { RapiController } from "./controller.js";
import { RapiContactor, RapiPilot } from "./faces.js";
import { RapiLink } from "./link.js";

export { RapiController } from "./controller.js";
export { RapiContactor, RapiPilot } from "./faces.js";

export type RapiSpec = Static<typeof RapiPilotSpec>;

export interface RapiDeps {
  readonly clock: Clock;
  /** Overrides `spec.port` (the config's `devices.pilotPort`). */
  readonly portPath?: string;
  /** serialport binding; the real one when absent. */
  readonly binding?: SerialBinding;
  readonly log?: DriverLog;
}

/**
 * An OpenEVSE-compatible controller on a serial line, as both the Pilot and the Contactor of the
 * station. Both faces share one controller: it opens with the first `start()` and closes with the
 * last `stop()`. `controller.problems` reports each unreadable frame or refused command.
 */
export function createRapiDrivers(
  spec: RapiSpec,
  deps: RapiDeps,
): { pilot: RapiPilot; contactor: RapiContactor; controller: RapiController } {
  const link = new RapiLink({
    path: deps.portPath ?? spec.port,
    baudRate: spec.baudRate ?? 115200,
    clock: deps.clock,
    replyTimeoutMs: spec.replyTimeoutMs ?? 1000,
    ...(deps.binding ? { binding: deps.binding } : {}),
  });
  const controller = new RapiController(link, {
    clock: deps.clock,
    log: deps.log ?? quietLog,
    heartbeatIntervalS: spec.heartbeatIntervalS ?? 10,
    heartbeatFallbackA: spec.heartbeatFallbackA ?? 0,
  });
  return { pilot: new RapiPilot(controller), contactor: new RapiContactor(controller), controller };
}
