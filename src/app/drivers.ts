import { join, resolve } from "node:path";
import { createGpioContactor } from "../../drivers/gpio/index.js";
import { createModbusMeter, ModbusBuses } from "../../drivers/modbus/index.js";
import { createRapiDrivers } from "../../drivers/rapi/index.js";
import { createSerialTokenReader } from "../../drivers/rfid/index.js";
import { createSimHardware, type SimHardware } from "../../drivers/sim/index.js";
import type { Clock, Contactor, Meter, PevLink, Pilot, TokenReader } from "../../drivers/types.js";
import type { Board } from "../config/board-schema.js";
import type { Config } from "../config/schema.js";
import type { Logger } from "./log.js";

/**
 * The drivers a board file asks for, built and ready to start. Absent members are capabilities the
 * board does not have (an ESCI board has no pilot or contactor).
 */
export interface DriverSet {
  pilot?: Pilot;
  contactor?: Contactor;
  meter?: Meter;
  gridMeter?: Meter;
  tokenReader?: TokenReader;
  pevLink?: PevLink;
  /** The simulated world, when any driver is `sim`: scenarios and `sim/<action>` drive it. */
  sim?: SimHardware;
  /** Extra start/stop work of drivers that share a resource (a serial line, a Modbus bus). */
  readonly lifecycle: { start(): Promise<void>; stop(): Promise<void> }[];
}

export interface DriverContext {
  readonly board: Board;
  readonly config: Config;
  readonly clock: Clock;
  readonly log: Logger;
  /** Directory that relative paths in the config resolve against. */
  readonly baseDir: string;
}

/** Builds (does not start) the drivers the board names, each with its transport from board + config. */
export function buildDrivers(ctx: DriverContext): DriverSet {
  const { board, config, clock, log } = ctx;
  const d = board.drivers;
  const set: DriverSet = { lifecycle: [] };
  const usesSim = Object.values(d).some((spec) => spec?.type === "sim");
  if (usesSim) {
    const simLog = log.child({ component: "sim" });
    const sim = createSimHardware({
      clock,
      vehicle: config.sim.vehicle,
      nominalVoltageV: board.nominalVoltageV,
      phases: board.phases,
      worldFile: defaultWorldFile(config, ctx.baseDir),
      log: (msg: string, data?: object) => simLog.debug(data ?? {}, msg),
    });
    set.sim = sim;
    if (d.pilot?.type === "sim") set.pilot = sim.pilot;
    if (d.contactor?.type === "sim") set.contactor = sim.contactor;
    if (d.meter?.type === "sim") set.meter = sim.meter;
    if (d.tokenReader?.type === "sim") set.tokenReader = sim.tokenReader;
    if (d.pevLink?.type === "sim") set.pevLink = sim.pevLink;
  }
  const dev = config.devices;
  const driverLog = (component: string) => log.child({ component });

  // An OpenEVSE controller is one device behind two faces: build it once for pilot and contactor.
  if (d.pilot?.type === "rapi") {
    const rapi = createRapiDrivers(d.pilot, {
      clock,
      log: driverLog("rapi"),
      ...(dev.pilotPort ? { portPath: dev.pilotPort } : {}),
    });
    set.pilot = rapi.pilot;
    if (d.contactor?.type === "rapi") set.contactor = rapi.contactor;
  }
  if (d.contactor?.type === "gpio") {
    set.contactor = createGpioContactor(d.contactor, { clock, ...(dev.gpioRoot ? { gpioRoot: dev.gpioRoot } : {}) });
  }

  // Meters on one RS-485 line share one serialized client.
  const buses = new ModbusBuses(clock);
  const maxPowerW = board.phases * board.nominalVoltageV * board.ratedCurrentA;
  const meterDeps = { clock, buses, maxPowerW, nominalVoltageV: board.nominalVoltageV, log: driverLog("meter") };
  if (d.meter?.type === "modbus") {
    set.meter = createModbusMeter(d.meter, {
      ...meterDeps,
      ...(dev.meterPort ? { portPath: dev.meterPort } : {}),
      ...(dev.meterHost ? { host: dev.meterHost } : {}),
    });
  }
  if (d.gridMeter?.type === "modbus") set.gridMeter = createModbusMeter(d.gridMeter, { ...meterDeps, log: driverLog("grid-meter") });
  if (d.tokenReader && d.tokenReader.type !== "sim") {
    set.tokenReader = createSerialTokenReader(d.tokenReader, {
      clock,
      log: driverLog("token-reader"),
      ...(dev.tokenReaderPort ? { portPath: dev.tokenReaderPort } : {}),
    });
  }
  return set;
}

/** Where the simulated hardware keeps its state across restarts. */
export function defaultWorldFile(config: Config, baseDir: string): string {
  return resolve(baseDir, config.sim.worldFile ?? join(config.dataDir, "sim-world.json"));
}
