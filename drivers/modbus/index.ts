import type { Static } from "@sinclair/typebox";
import type { ModbusMeterSpec } from "../../src/config/board-schema.js";
import { type DriverLog, quietLog } from "../driver-log.js";
import type { SerialBinding } from "../serial.js";
import type { Clock } from "../types.js";
import { ModbusBuses, type ModbusTransport } from "./bus.js";
import { loadMeterMap } from "./maps.js";
import { ModbusMeter } from "./meter.js";

export { ModbusBus, ModbusBuses, type ModbusTransport } from "./bus.js";
export { listMeterModels, loadMeterMap, meterMapDir } from "./maps.js";
export { type MeterStatus, ModbusMeter } from "./meter.js";

export type ModbusSpec = Static<typeof ModbusMeterSpec>;

export interface ModbusDeps {
  readonly clock: Clock;
  /** Overrides `spec.rtu.port` (the config's `devices.meterPort`). */
  readonly portPath?: string;
  /** Overrides `spec.tcp.host` (the config's `devices.meterHost`); selects Modbus TCP. */
  readonly host?: string;
  readonly log?: DriverLog;
  /** Shared buses of the station, so meters on one RS-485 line share one client. A private registry when absent. */
  readonly buses?: ModbusBuses;
  /** Rated power of what the meter measures, W (default: phases × 230 V × 80 A). */
  readonly maxPowerW?: number;
  readonly nominalVoltageV?: number;
  /** Directory of register maps (default: the installation's boards/meters). */
  readonly mapDir?: string;
  readonly binding?: SerialBinding;
  /** Extra attempts of a request that failed in transport (default 1). */
  readonly retries?: number;
  /** First retry delay and first wait between reads of a lost meter, ms (default 50). */
  readonly backoffMs?: number;
}

/**
 * A Modbus RTU or TCP meter from a board's `modbus` spec and its register map. Line settings come
 * from the spec, else from the map's defaults. Throws (synchronously) when the map is missing or
 * invalid or the spec names neither a serial port nor a host.
 */
export function createModbusMeter(spec: ModbusSpec, deps: ModbusDeps): ModbusMeter {
  const map = loadMeterMap(spec.model, deps.mapDir);
  const host = deps.host ?? spec.tcp?.host;
  const path = deps.portPath ?? spec.rtu?.port;
  let transport: ModbusTransport;
  if (host && !deps.portPath) {
    transport = { kind: "tcp", host, port: spec.tcp?.port ?? 502 };
  } else if (path) {
    transport = {
      kind: "rtu",
      path,
      baudRate: spec.rtu?.baudRate ?? map.defaults.baudRate,
      parity: spec.rtu?.parity ?? map.defaults.parity,
      stopBits: spec.rtu?.stopBits ?? map.defaults.stopBits,
      ...(deps.binding ? { binding: deps.binding } : {}),
    };
  } else {
    throw new Error(`meter ${spec.model}: needs rtu.port (or devices.meterPort) or tcp.host (or devices.meterHost)`);
  }
  const unitId = spec.unitId ?? map.defaults.unitId;
  const buses = deps.buses ?? new ModbusBuses(deps.clock);
  const where = transport.kind === "rtu" ? transport.path : `${transport.host}:${transport.port}`;
  const nominalVoltageV = deps.nominalVoltageV ?? 230;
  return new ModbusMeter({
    name: `${spec.model}@${where}#${unitId}`,
    map,
    bus: buses.get(transport),
    unitId,
    clock: deps.clock,
    log: deps.log ?? quietLog,
    timeoutMs: spec.timeoutMs ?? 500,
    maxFailures: spec.maxFailures ?? 3,
    maxPowerW: deps.maxPowerW ?? map.phases * nominalVoltageV * 80,
    nominalVoltageV,
    ...(deps.retries !== undefined ? { retries: deps.retries } : {}),
    ...(deps.backoffMs !== undefined ? { backoffMs: deps.backoffMs } : {}),
  });
}
