import { describe, expect, it } from "vitest";
import { PEV_CONNECT_DELAY_MS, PEV_ENERGY_INTERVAL_MS } from "../../../../drivers/sim/index.js";
import type { PevLinkEvent, PilotEvent, TokenEvent } from "../../../../drivers/types.js";
import { makeHardware, tempFile } from "./helpers.js";

describe("simulated drivers", () => {
  it("pilot: reports the current state once after start, then every change", async () => {
    const { hw, clock } = await makeHardware();
    const events: PilotEvent[] = [];
    hw.pilot.on((e) => events.push(e));
    clock.advance(0);
    expect(events).toEqual([{ kind: "state", state: "A", diodeOk: true }]);
    hw.world.act({ action: "plug" });
    hw.world.act({ action: "diodeFault", on: true });
    hw.world.act({ action: "ventilation", on: true });
    expect(events.slice(1)).toEqual([
      { kind: "state", state: "B", diodeOk: true },
      { kind: "state", state: "B", diodeOk: false },
    ]);
  });

  it("pilot: never calls listeners from inside setOutput; the change follows on a 0 ms timer", async () => {
    const { hw, clock } = await makeHardware();
    hw.world.act({ action: "plug" });
    clock.advance(0);
    const events: PilotEvent[] = [];
    hw.pilot.on((e) => events.push(e));
    hw.pilot.setOutput({ mode: "off" });
    expect(events).toEqual([]);
    clock.advance(0);
    expect(events).toEqual([{ kind: "state", state: "F", diodeOk: true }]);
    hw.pilot.setOutput({ mode: "pwm", dutyPct: 26.7, currentA: 16 });
    clock.advance(1000);
    expect(events.map((e) => (e.kind === "state" ? e.state : e.kind))).toEqual(["F", "B", "C"]);
  });

  it("contactor: feedback follows the physical position, reported after (not inside) set", async () => {
    const { hw, clock } = await makeHardware();
    const seen: boolean[] = [];
    hw.contactor.onFeedback((closed) => seen.push(closed));
    expect(hw.contactor.hasFeedback).toBe(true);
    hw.contactor.set(true);
    expect(hw.contactor.commanded).toBe(true);
    expect(hw.contactor.feedback()).toBe(true);
    expect(seen).toEqual([]);
    clock.advance(0);
    expect(seen).toEqual([true]);
    hw.world.act({ action: "weld", on: true });
    hw.contactor.set(false);
    clock.advance(0);
    expect(hw.contactor.commanded).toBe(false);
    expect(hw.contactor.feedback()).toBe(true);
    expect(seen).toEqual([true]);
    hw.world.act({ action: "weld", on: false });
    expect(seen).toEqual([true, false]);
  });

  it("token reader: emits each presented card, upper-case, from the sim source", async () => {
    const { hw } = await makeHardware();
    const tokens: TokenEvent[] = [];
    hw.tokenReader.on((t) => tokens.push(t));
    hw.world.act({ action: "token", id: "04a1b2c3d4" });
    expect(tokens).toEqual([{ id: "04A1B2C3D4", source: "sim" }]);
  });

  it("PEV link: connects ~2 s after plug-in, reports the vehicle's energy, disconnects at unplug", async () => {
    const { hw, clock } = await makeHardware();
    const events: PevLinkEvent[] = [];
    hw.pevLink.on((e) => events.push(e));
    hw.world.act({ action: "plug" });
    clock.advance(PEV_CONNECT_DELAY_MS - 1);
    expect(events).toEqual([]);
    clock.advance(1);
    expect(events).toEqual([{ kind: "connected", pevId: "5YJ3E1EA7KF000001", energyRequestWh: 42_000 }]);
    hw.pilot.setOutput({ mode: "pwm", dutyPct: 26.7, currentA: 16 });
    clock.advance(1000);
    hw.contactor.set(true);
    clock.advance(PEV_ENERGY_INTERVAL_MS * 6 - 1000); // up to the instant of the 6th report
    const energy = events.filter((e) => e.kind === "energy");
    expect(energy.length).toBe(6);
    const last = energy.at(-1);
    const metered = (await hw.meter.read()).importWh;
    expect(last?.kind === "energy" && last.vehicleEnergyWh).toBeLessThan(metered);
    expect(last?.kind === "energy" && last.vehicleEnergyWh).toBeGreaterThan(metered * 0.97);
    hw.world.act({ action: "unplug" });
    expect(events.at(-1)).toEqual({ kind: "disconnected" });
  });

  it("PEV link: an unplug before identification sends nothing", async () => {
    const { hw, clock } = await makeHardware();
    const events: PevLinkEvent[] = [];
    hw.pevLink.on((e) => events.push(e));
    hw.world.act({ action: "plug" });
    clock.advance(500);
    hw.world.act({ action: "unplug" });
    clock.advance(10_000);
    expect(events).toEqual([]);
  });

  it("a listener that throws does not break the driver or the other listeners", async () => {
    const { hw } = await makeHardware();
    const tokens: string[] = [];
    hw.tokenReader.on(() => {
      throw new Error("boom");
    });
    hw.tokenReader.on((t) => tokens.push(t.id));
    hw.world.act({ action: "token", id: "AA" });
    expect(tokens).toEqual(["AA"]);
  });

  it("hardware: stop opens the contactor, flushes the world file and silences the drivers", async () => {
    const file = tempFile();
    const { hw, clock } = await makeHardware({ worldFile: file });
    const events: PilotEvent[] = [];
    hw.pilot.on((e) => events.push(e));
    hw.world.act({ action: "plug" });
    hw.contactor.set(true);
    await hw.stop();
    expect(hw.world.contactorClosed).toBe(false);
    const count = events.length;
    hw.world.act({ action: "unplug" });
    clock.advance(1000);
    expect(events.length).toBe(count);
  });
});
