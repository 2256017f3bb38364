import { describe, expect, it } from "vitest";
import { SimMeter } from "../../../../drivers/sim/index.js";
import { makeWorld, startCharging } from "./helpers.js";

describe("SimMeter", () => {
  it("advances the import register by the integral of the power drawn over a simulated hour (within 1 Wh)", async () => {
    const { world, clock } = makeWorld();
    const meter = new SimMeter(world);
    world.act({ action: "plug" });
    startCharging(world, clock, 16);
    const start = (await meter.read()).importWh;
    const stepMs = 100;
    let integralWh = 0;
    for (let t = 0; t < 3_600_000; t += stepMs) {
      const r = await meter.read();
      integralWh += (r.powerW * stepMs) / 3_600_000;
      clock.advance(stepMs);
    }
    const end = await meter.read();
    expect(Math.abs(end.importWh - start - integralWh)).toBeLessThanOrEqual(1);
    expect(integralWh).toBeGreaterThan(10_900);
    expect(integralWh).toBeLessThan(11_100);
  });

  it("reports power as the sum of phase voltage × current, with a little ripple around nominal", async () => {
    const { world, clock } = makeWorld();
    const meter = new SimMeter(world);
    world.act({ action: "plug" });
    startCharging(world, clock, 16);
    clock.advance(30_000);
    const r = await meter.read();
    expect(r.exportWh).toBe(0);
    expect(r.currentA).toEqual([16, 16, 16]);
    for (const v of r.voltageV) expect(Math.abs(v - 230)).toBeLessThanOrEqual(2.5);
    const sum = r.voltageV.reduce((s, v, i) => s + v * (r.currentA[i] ?? 0), 0);
    expect(Math.abs(r.powerW - sum)).toBeLessThan(5);
    expect(Number.isInteger(r.importWh)).toBe(true);
  });

  it("shows a one-phase vehicle on the first phase only", async () => {
    const { world, clock } = makeWorld({ vehicle: { phases: 1 } });
    world.act({ action: "plug" });
    startCharging(world, clock, 16);
    clock.advance(30_000);
    expect((await new SimMeter(world).read()).currentA).toEqual([16, 0, 0]);
  });

  it("counts nothing while no current flows", async () => {
    const { world, clock } = makeWorld();
    world.act({ action: "plug" });
    world.setPilotOutput({ mode: "pwm", dutyPct: 26.7, currentA: 16 });
    clock.advance(600_000);
    const r = await new SimMeter(world).read();
    expect(r).toMatchObject({ importWh: 0, powerW: 0 });
  });

  it("rejects reads with an error naming the meter while offline, and recovers", async () => {
    const { world } = makeWorld();
    const meter = new SimMeter(world);
    world.act({ action: "meterOffline", on: true });
    await expect(meter.read()).rejects.toThrow(/sim meter/);
    world.act({ action: "meterOffline", on: false });
    await expect(meter.read()).resolves.toMatchObject({ importWh: 0 });
  });

  it("replaces the register on a meter swap", async () => {
    const { world } = makeWorld();
    world.act({ action: "meter", importWh: 123_456 });
    expect((await new SimMeter(world).read()).importWh).toBe(123_456);
  });

  it("lets the vehicle count a little less than the meter (charging losses)", async () => {
    const { world, clock } = makeWorld();
    world.act({ action: "plug" });
    startCharging(world, clock, 16);
    clock.advance(600_000);
    const metered = (await new SimMeter(world).read()).importWh;
    const ratio = world.vehicleEnergyWh() / metered;
    expect(ratio).toBeGreaterThan(0.97);
    expect(ratio).toBeLessThan(0.99);
  });
});
