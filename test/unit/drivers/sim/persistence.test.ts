import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ManualClock } from "../../../../drivers/clock/manual.js";
import { readWorldFile, SimMeter, simWallOrigin, writeWorldFile } from "../../../../drivers/sim/index.js";
import { InputError } from "../../../../src/config/validate.js";
import { makeWorld, startCharging, tempFile } from "./helpers.js";

describe("SimWorld persistence", () => {
  it("round-trips the world state through the file", () => {
    const file = tempFile();
    const { world, clock } = makeWorld({ worldFile: file });
    world.act({ action: "plug" });
    world.act({ action: "diodeFault", on: true });
    startCharging(world, clock);
    clock.advance(60_000);
    world.stop();
    const saved = readWorldFile(file);
    expect(saved).toEqual(world.snapshot());
    expect(saved).toMatchObject({ plugged: true, diodeFault: true });
    writeWorldFile(file, { ...saved!, socPct: 55 });
    expect(readWorldFile(file)?.socPct).toBe(55);
  });

  it("returns undefined for a missing file and creates the directory on write", () => {
    const file = join(tempFile(), "..", "nested", "dir", "world.json");
    expect(readWorldFile(file)).toBeUndefined();
    const { world } = makeWorld({ worldFile: file });
    world.stop();
    expect(readWorldFile(file)?.plugged).toBe(false);
  });

  it("rejects a damaged world file with an error naming the file and the problem", () => {
    const file = tempFile();
    writeFileSync(file, "{ not json");
    expect(() => readWorldFile(file)).toThrow(InputError);
    expect(() => readWorldFile(file)).toThrow(file);
    writeFileSync(file, JSON.stringify({ version: 1, plugged: "yes" }));
    expect(() => readWorldFile(file)).toThrow(/\/plugged|missing required key/);
  });

  it("after a kill mid-charge, restarts with the vehicle plugged, the contactor open and the register continuing", async () => {
    const file = tempFile();
    const first = makeWorld({ worldFile: file });
    first.world.act({ action: "plug" });
    startCharging(first.world, first.clock);
    first.clock.advance(600_000);
    const seen = (await new SimMeter(first.world).read()).importWh;
    expect(seen).toBeGreaterThan(1000);
    // The process dies here: no stop(), no flush beyond what the world already wrote.

    const second = makeWorld({ worldFile: file, clock: new ManualClock() });
    const meter = new SimMeter(second.world);
    expect(second.world.plugged).toBe(true);
    expect(second.world.contactorClosed).toBe(false);
    expect(second.world.pilot.state).toBe("B");
    expect((await meter.read()).importWh).toBe(seen);
    startCharging(second.world, second.clock);
    second.clock.advance(600_000);
    expect((await meter.read()).importWh).toBeGreaterThan(seen + 1000);
  });

  it("picks up a vehicle unplugged while the process was dead", () => {
    const file = tempFile();
    const first = makeWorld({ worldFile: file });
    first.world.act({ action: "plug" });
    const state = readWorldFile(file)!;
    writeWorldFile(file, { ...state, plugged: false });
    const second = makeWorld({ worldFile: file, clock: new ManualClock() });
    expect(second.world.pilot.state).toBe("A");
  });

  it("keeps welded contacts closed across a restart", () => {
    const file = tempFile();
    const first = makeWorld({ worldFile: file });
    first.world.act({ action: "weld", on: true });
    first.world.act({ action: "plug" });
    startCharging(first.world, first.clock);
    const second = makeWorld({ worldFile: file, clock: new ManualClock() });
    expect(second.world.contactorCommanded).toBe(false);
    expect(second.world.contactorClosed).toBe(true);
  });

  it("writes the slowly changing state at most once per real second, and every discrete change at once", () => {
    const file = tempFile();
    let real = 0;
    const { world, clock } = makeWorld({ worldFile: file, realNow: () => real });
    world.act({ action: "plug" });
    startCharging(world, clock);
    const afterPlug = readWorldFile(file)!.wallMs;
    clock.advance(30_000);
    expect(readWorldFile(file)!.wallMs).toBe(afterPlug);
    real += 1000;
    clock.advance(1000);
    expect(readWorldFile(file)!.wallMs).toBe(clock.now());
    world.act({ action: "pause" });
    expect(readWorldFile(file)!.paused).toBe(true);
  });

  it("reports the simulated wall time reached, so a restarted clock never runs backwards", () => {
    const file = tempFile();
    expect(simWallOrigin(file)).toBeUndefined();
    const { world, clock } = makeWorld({ worldFile: file });
    clock.advance(3_600_000);
    world.stop();
    expect(simWallOrigin(file)).toBe(clock.now());
  });
});
