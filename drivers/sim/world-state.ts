import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { type Static, Type } from "@sinclair/typebox";
import type { SimSection } from "../../src/config/sections/sim.js";
import { InputError, Validator } from "../../src/config/validate.js";

/** The simulated vehicle as configured (`sim.vehicle` in the config file). */
export type SimVehicleConfig = Static<typeof SimSection>["vehicle"];

/** Where a scenario runner stands: the step to run (or being waited on) and the wait still to go. */
export const ScenarioCursorSchema = Type.Object(
  {
    id: Type.String({ description: "Fingerprint of the scenario; a cursor of another scenario is ignored." }),
    index: Type.Integer({ minimum: 0 }),
    waitRemainingMs: Type.Optional(Type.Number({ minimum: 0 })),
  },
  { additionalProperties: false },
);
export type ScenarioCursor = Static<typeof ScenarioCursorSchema>;

/**
 * Everything about the simulated hardware that survives a process restart, as real hardware would.
 * Not saved on purpose: the contactor command (a restarted process starts with it open), the pilot
 * output and the vehicle's S2 switch (without PWM the vehicle waits in B).
 */
export const WorldStateSchema = Type.Object(
  {
    version: Type.Literal(1),
    plugged: Type.Boolean(),
    /** How many times a vehicle was plugged in over the world's life (tests count sessions by it). */
    plugIns: Type.Integer({ minimum: 0, default: 0 }),
    /** The vehicle was told to pause (C → B) and stays in B until `resume`. */
    paused: Type.Boolean(),
    ventilation: Type.Boolean(),
    socPct: Type.Number({ minimum: 0, maximum: 100 }),
    /** Most current the vehicle draws, A (config `maxCurrentA`, changed by `draw`). */
    maxCurrentA: Type.Number({ minimum: 0, maximum: 80 }),
    diodeFault: Type.Boolean(),
    short: Type.Boolean(),
    weld: Type.Boolean(),
    /** The contacts are welded shut (weld on and the contactor was closed). */
    weldedClosed: Type.Boolean(),
    stubborn: Type.Boolean(),
    meterOffline: Type.Boolean(),
    /** The meter's import register with its fraction, Wh. */
    importWh: Type.Number({ minimum: 0 }),
    /** Energy the vehicle counted since it was plugged in, Wh (after charging losses). */
    vehicleEnergyWh: Type.Number({ minimum: 0 }),
    /** Simulated wall time (UTC ms) reached when this was written. */
    wallMs: Type.Number({ minimum: 0 }),
    scenario: Type.Optional(ScenarioCursorSchema),
  },
  { additionalProperties: false },
);
export type WorldState = Static<typeof WorldStateSchema>;

const stateValidator = new Validator(WorldStateSchema);

/** The state of a world that has never run: unplugged, meter at 0, vehicle as configured. */
export function initialWorldState(vehicle: SimVehicleConfig, wallMs: number): WorldState {
  return {
    version: 1,
    plugged: false,
    plugIns: 0,
    paused: false,
    ventilation: false,
    socPct: vehicle.socPct,
    maxCurrentA: vehicle.maxCurrentA,
    diodeFault: false,
    short: false,
    weld: false,
    weldedClosed: false,
    stubborn: false,
    meterOffline: false,
    importWh: 0,
    vehicleEnergyWh: 0,
    wallMs,
  };
}

/**
 * Read and check a world file. Returns undefined when the file does not exist; throws InputError
 * naming the file when it cannot be read, is not JSON, or does not match the schema.
 */
export function readWorldFile(path: string): WorldState | undefined {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new InputError(path, "/", `cannot read: ${(err as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new InputError(path, "/", `not JSON: ${(err as Error).message}`);
  }
  return stateValidator.check(value, path);
}

/**
 * Replace the world file atomically (write a temporary file beside it, then rename), creating the
 * directory if needed. A reader — or a restarted process — sees the old or the new state, never a mix.
 */
export function writeWorldFile(path: string, state: WorldState): void {
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, `${JSON.stringify(state, null, 2)}\n`);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(tmp, `${JSON.stringify(state, null, 2)}\n`);
  }
  renameSync(tmp, path);
}

/**
 * The simulated wall time a previous run reached, or undefined when there is no world file. Start a
 * ScaledClock at `max(Date.now(), simWallOrigin(path) ?? 0)` so simulated time never runs backwards.
 */
export function simWallOrigin(path: string): number | undefined {
  return readWorldFile(path)?.wallMs;
}

/**
 * Writes one world's file: `write` at once, `due()` tells whether a throttled write is due (at most
 * one per `throttleMs` of real time). A failed write is logged and leaves the previous file in place.
 */
export class WorldFileWriter {
  private lastWriteReal = Number.NEGATIVE_INFINITY;
  /** The whole-Wh import register in the file, NaN before the first write. */
  writtenRegisterWh = Number.NaN;

  constructor(
    readonly path: string,
    private readonly realNow: () => number,
    private readonly log: (msg: string, data?: object) => void,
    private readonly throttleMs = 1000,
  ) {}

  due(): boolean {
    return this.realNow() - this.lastWriteReal >= this.throttleMs;
  }

  write(state: WorldState): boolean {
    try {
      writeWorldFile(this.path, state);
    } catch (err) {
      this.log("sim: cannot write the world file", { file: this.path, error: (err as Error).message });
      return false;
    }
    this.writtenRegisterWh = Math.floor(state.importWh);
    this.lastWriteReal = this.realNow();
    return true;
  }
}
