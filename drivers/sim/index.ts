import { SimContactor } from "./contactor.js";
import { SimMeter } from "./meter.js";
import { SimPevLink } from "./pevlink.js";
import { SimPilot } from "./pilot.js";
import { SimTokenReader } from "./token.js";
import { SimWorld, type SimWorldOptions } from "./world.js";

export { checkSimAction, parseSimAction, SIM_ACTION_NAMES, type SimAction, type SimActionName, SimActionSchema } from "./actions.js";
export { SimContactor } from "./contactor.js";
export { SimMeter } from "./meter.js";
export { PEV_CONNECT_DELAY_MS, PEV_ENERGY_INTERVAL_MS, SimPevLink } from "./pevlink.js";
export { SimPilot } from "./pilot.js";
export {
  DEMO_SCENARIO,
  loadScenario,
  parseScenario,
  type Scenario,
  ScenarioRunner,
  ScenarioSchema,
  type ScenarioStep,
} from "./scenario.js";
export { SimTokenReader } from "./token.js";
export { type SimLog, SimWorld, type SimWorldOptions, type WorldEvent } from "./world.js";
export { readWorldFile, type SimVehicleConfig, simWallOrigin, type WorldState, writeWorldFile } from "./world-state.js";

/** What the simulated board needs: the world's options (the file-write throttle keeps its default). */
export type SimHardwareOptions = Omit<SimWorldOptions, "realNow">;

/** The simulated board: the world and a driver for each hardware interface, sharing one clock. */
export interface SimHardware {
  readonly world: SimWorld;
  readonly pilot: SimPilot;
  readonly contactor: SimContactor;
  readonly meter: SimMeter;
  readonly tokenReader: SimTokenReader;
  readonly pevLink: SimPevLink;
  /** Start the world, then the drivers. */
  start(): Promise<void>;
  /** Stop the drivers (the contactor opens) and the world (its file is flushed). Never rejects. */
  stop(): Promise<void>;
}

/**
 * Build the simulated hardware. Run a scenario with `new ScenarioRunner({world, clock, scenario})`
 * after `start()`, and stop it before `stop()`. Throws InputError when the world file or the scenario is invalid.
 * Nothing runs until `start()`.
 */
export function createSimHardware(opts: SimHardwareOptions): SimHardware {
  const { clock, log } = opts;
  const world = new SimWorld({
    clock,
    vehicle: opts.vehicle,
    nominalVoltageV: opts.nominalVoltageV,
    phases: opts.phases,
    worldFile: opts.worldFile,
    log,
  });
  const pilot = new SimPilot(world, clock, log);
  const contactor = new SimContactor(world, log);
  const meter = new SimMeter(world);
  const tokenReader = new SimTokenReader(world, log);
  const pevLink = new SimPevLink(world, clock, log);
  const drivers = [pilot, contactor, meter, tokenReader, pevLink];
  return {
    world,
    pilot,
    contactor,
    meter,
    tokenReader,
    pevLink,
    async start() {
      world.start();
      for (const d of drivers) await d.start();
    },
    async stop() {
      for (const d of drivers) await d.stop().catch(() => {});
      world.stop();
    },
  };
}
