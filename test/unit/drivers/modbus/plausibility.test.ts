import { describe, expect, it } from "vitest";
import { Plausibility } from "../../../../drivers/modbus/plausibility.js";
import type { MeterReading } from "../../../../drivers/types.js";

const base: MeterReading = {
  importWh: 1_000_000,
  exportWh: 0,
  powerW: 7000,
  voltageV: [230, 231, 229],
  currentA: [10, 10, 10],
  frequencyHz: 50,
};
const limits = { maxPowerW: 22_000, nominalVoltageV: 230 };

describe("meter plausibility", () => {
  it("accepts a sane reading and a sane step", () => {
    const p = new Plausibility(limits);
    expect(p.check(base, 0)).toBeUndefined();
    p.accept(base, 0);
    expect(p.check({ ...base, importWh: base.importWh + 6000 }, 3_600_000)).toBeUndefined();
  });

  it.each([
    ["NaN power", { powerW: Number.NaN }, /not a number/],
    ["infinite voltage", { voltageV: [Number.POSITIVE_INFINITY] }, /not a number/],
    ["power beyond 2 × Pmax", { powerW: 50_000 }, /beyond 2 × rated/],
    ["negative voltage", { voltageV: [-3] }, /outside/],
    ["frequency", { frequencyHz: 5 }, /outside 40…70/],
    ["absurd register", { importWh: 8.6e12 }, /outside 0…/],
  ])("rejects %s", (_what, change, problem) => {
    expect(new Plausibility(limits).check({ ...base, ...change }, 0)).toMatch(problem);
  });

  it("rejects a decreasing energy register and a step larger than 2 × interval × Pmax", () => {
    const p = new Plausibility(limits);
    p.accept(base, 0);
    expect(p.check({ ...base, importWh: base.importWh - 1 }, 1000)).toMatch(/decreased/);
    expect(p.check({ ...base, exportWh: -1 }, 1000)).toMatch(/outside/);
    expect(p.check({ ...base, importWh: base.importWh + 100 }, 1000)).toMatch(/rose by 100 Wh/);
    expect(p.check({ ...base, importWh: base.importWh + 44_000 + 21 }, 3_600_000)).toMatch(/rose by/);
  });

  it("check never moves the baseline", () => {
    const p = new Plausibility(limits);
    p.accept(base, 0);
    p.check({ ...base, importWh: 5 }, 1000);
    expect(p.check({ ...base, importWh: base.importWh + 1 }, 2000)).toBeUndefined();
  });
});
