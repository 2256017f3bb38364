import { describe, expect, it } from "vitest";
import { currentForDuty, dutyForCurrent, offerFor } from "../../../src/core/duty.js";

describe("dutyForCurrent", () => {
  it.each([
    [6, 10],
    [16, 26.7],
    [32, 53.3],
    [51, 85],
    [52, 84.8],
    [80, 96],
  ])("offers %d A with %d %% duty", (amps, duty) => {
    expect(dutyForCurrent(amps)).toBe(duty);
  });

  it.each([5.9, 0, -1, 80.1, 100, Number.NaN, Number.POSITIVE_INFINITY])("refuses %d A, which the pilot cannot express", (amps) => {
    expect(() => dutyForCurrent(amps)).toThrow(RangeError);
  });
});

describe("currentForDuty", () => {
  it.each([
    [10, 6],
    [26.7, 16],
    [53.3, 32],
    [85, 51],
    [96, 80],
  ])("reads %d %% as %d A", (duty, amps) => {
    expect(currentForDuty(duty)).toBeCloseTo(amps, 0);
  });

  it.each([0, 5, 7.9, 97.1, 100, Number.NaN])("reads %d %% as no offer", (duty) => {
    expect(currentForDuty(duty)).toBe(0);
  });
});

describe("offerFor", () => {
  it("offers nothing (constant +12 V) below 6 A", () => {
    expect(offerFor(5.9)).toEqual({ mode: "standby" });
    expect(offerFor(0)).toEqual({ mode: "standby" });
    expect(offerFor(Number.NaN)).toEqual({ mode: "standby" });
  });

  it("caps offers above 80 A at 80 A", () => {
    expect(offerFor(120)).toEqual({ mode: "pwm", dutyPct: 96, currentA: 80 });
  });

  it("offers 16 A at 26.7 %", () => {
    expect(offerFor(16)).toEqual({ mode: "pwm", dutyPct: 26.7, currentA: 16 });
  });
});
