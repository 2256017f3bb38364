import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ManualClock } from "../../../../drivers/clock/manual.js";
import { createSimHardware, type SimHardware, type SimVehicleConfig, SimWorld } from "../../../../drivers/sim/index.js";

export const VEHICLE: SimVehicleConfig = {
  maxCurrentA: 32,
  phases: 3,
  batteryWh: 60_000,
  socPct: 30,
  responseMs: 1500,
  pevId: "5YJ3E1EA7KF000001",
};

export function makeWorld(
  opts: { vehicle?: Partial<SimVehicleConfig>; worldFile?: string; clock?: ManualClock; realNow?: () => number } = {},
) {
  const clock = opts.clock ?? new ManualClock();
  const world = new SimWorld({
    clock,
    vehicle: { ...VEHICLE, ...opts.vehicle },
    nominalVoltageV: 230,
    worldFile: opts.worldFile,
    realNow: opts.realNow,
  });
  world.start();
  return { clock, world };
}

export async function makeHardware(
  opts: { worldFile?: string; clock?: ManualClock } = {},
): Promise<{ clock: ManualClock; hw: SimHardware }> {
  const clock = opts.clock ?? new ManualClock();
  const hw = createSimHardware({ clock, vehicle: VEHICLE, nominalVoltageV: 230, worldFile: opts.worldFile });
  await hw.start();
  return { clock, hw };
}

export function tempFile(name = "sim-world.json"): string {
  return join(mkdtempSync(join(tmpdir(), "evsed-sim-")), name);
}

/** Offer `amps` on the pilot, close the contactor once the vehicle is in C, and let it settle. */
export function startCharging(world: SimWorld, clock: ManualClock, amps = 16): void {
  world.setPilotOutput({ mode: "pwm", dutyPct: amps / 0.6, currentA: amps });
  clock.advance(1000);
  world.setContactor(true);
  clock.advance(0);
}
