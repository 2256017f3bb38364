import { describe, expect, it } from "vitest";
import { makeWorld, startCharging } from "./helpers.js";

describe("SimWorld: vehicle and pilot line", () => {
  it("reads A with nothing plugged and B once the vehicle is plugged in", () => {
    const { world } = makeWorld();
    expect(world.pilot).toEqual({ state: "A", diodeOk: true });
    world.act({ action: "plug" });
    expect(world.pilot.state).toBe("B");
  });

  it("goes to C only after the EVSE offers PWM, and the current follows the offer with the configured lag", () => {
    const { world, clock } = makeWorld();
    world.act({ action: "plug" });
    clock.advance(5000);
    expect(world.pilot.state).toBe("B");
    world.setPilotOutput({ mode: "pwm", dutyPct: 26.7, currentA: 16 });
    clock.advance(1000);
    expect(world.pilot.state).toBe("C");
    expect(world.drawnCurrentA()).toBe(0);
    world.setContactor(true);
    clock.advance(1500);
    const afterOneTau = world.drawnCurrentA();
    expect(afterOneTau).toBeGreaterThan(16 * 0.6);
    expect(afterOneTau).toBeLessThan(16 * 0.66);
    clock.advance(15_000);
    expect(world.drawnCurrentA()).toBeCloseTo(16, 3);
  });

  it("draws no more than the vehicle's own maximum", () => {
    const { world, clock } = makeWorld();
    world.act({ action: "plug" });
    world.act({ action: "draw", amps: 10 });
    startCharging(world, clock, 32);
    clock.advance(30_000);
    expect(world.drawnCurrentA()).toBeCloseTo(10, 3);
  });

  it("goes from C to B with no current at once when the vehicle pauses, and back to C on resume", () => {
    const { world, clock } = makeWorld();
    world.act({ action: "plug" });
    startCharging(world, clock);
    clock.advance(10_000);
    expect(world.drawnCurrentA()).toBeGreaterThan(15);
    world.act({ action: "pause" });
    expect(world.pilot.state).toBe("B");
    expect(world.drawnCurrentA()).toBe(0);
    expect(world.intent).toBe("pause");
    world.act({ action: "resume" });
    clock.advance(1000);
    expect(world.pilot.state).toBe("C");
  });

  it("returns to B about 1 s after the PWM goes off", () => {
    const { world, clock } = makeWorld();
    world.act({ action: "plug" });
    startCharging(world, clock);
    world.setPilotOutput({ mode: "standby" });
    clock.advance(900);
    expect(world.pilot.state).toBe("C");
    clock.advance(100);
    expect(world.pilot.state).toBe("B");
  });

  it("stays in C after the PWM goes off while stubborn, and keeps drawing the last offer", () => {
    const { world, clock } = makeWorld();
    world.act({ action: "plug" });
    world.act({ action: "stubborn", on: true });
    startCharging(world, clock);
    world.setPilotOutput({ mode: "standby" });
    clock.advance(10_000);
    expect(world.pilot.state).toBe("C");
    expect(world.drawnCurrentA()).toBeCloseTo(16, 1);
    world.act({ action: "stubborn", on: false });
    clock.advance(1000);
    expect(world.pilot.state).toBe("B");
  });

  it("measures F while the EVSE puts out constant −12 V", () => {
    const { world, clock } = makeWorld();
    world.act({ action: "plug" });
    world.setPilotOutput({ mode: "off" });
    clock.advance(0);
    expect(world.pilot.state).toBe("F");
  });

  it("reports a missing diode while such a vehicle is plugged in, and a CP short as E", () => {
    const { world } = makeWorld();
    world.act({ action: "diodeFault", on: true });
    expect(world.pilot.diodeOk).toBe(true);
    world.act({ action: "plug" });
    expect(world.pilot).toEqual({ state: "B", diodeOk: false });
    world.act({ action: "diodeFault", on: false });
    world.act({ action: "short", on: true });
    expect(world.pilot).toEqual({ state: "E", diodeOk: true });
  });

  it("asks for ventilation (D) instead of C when ventilation is on", () => {
    const { world, clock } = makeWorld();
    world.act({ action: "ventilation", on: true });
    world.act({ action: "plug" });
    startCharging(world, clock);
    expect(world.pilot.state).toBe("D");
    expect(world.intent).toBe("ventilation");
  });

  it("goes to B and draws nothing once the battery is full", () => {
    const { world, clock } = makeWorld({ vehicle: { batteryWh: 1000, socPct: 99 } });
    world.act({ action: "plug" });
    startCharging(world, clock);
    clock.advance(60_000);
    expect(world.socPct).toBe(100);
    expect(world.pilot.state).toBe("B");
    expect(world.drawnCurrentA()).toBe(0);
  });

  it("stops the current at once when the contactor opens", () => {
    const { world, clock } = makeWorld();
    world.act({ action: "plug" });
    startCharging(world, clock);
    clock.advance(10_000);
    world.setContactor(false);
    expect(world.contactorClosed).toBe(false);
    expect(world.drawnCurrentA()).toBe(0);
  });

  it("keeps a welded contactor closed after the open command until the weld is cleared", () => {
    const { world, clock } = makeWorld();
    world.act({ action: "weld", on: true });
    world.act({ action: "plug" });
    startCharging(world, clock);
    world.setContactor(false);
    expect(world.contactorCommanded).toBe(false);
    expect(world.contactorClosed).toBe(true);
    world.act({ action: "weld", on: false });
    expect(world.contactorClosed).toBe(false);
  });

  it("does not weld a contactor that never closed", () => {
    const { world } = makeWorld();
    world.act({ action: "weld", on: true });
    expect(world.contactorClosed).toBe(false);
  });
});
