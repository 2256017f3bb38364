import { describe, expect, it } from "vitest";
import {
  initialSupervision,
  type SupervisionConfig,
  type SupervisionInput,
  type SupervisionState,
  supervise,
} from "../../../src/core/supervision.js";

const cfg: SupervisionConfig = { feedbackSettleMs: 500, overCurrentGraceMs: 5000 };

function feed(inputs: [number, SupervisionInput][], start: SupervisionState = initialSupervision()) {
  let s = start;
  return inputs.map(([t, input]) => {
    const r = supervise(cfg, s, input, t);
    s = r.state;
    return r;
  });
}

describe("contactor feedback", () => {
  it("latches ContactorWelded when feedback stays closed after an open command", () => {
    const r = feed([
      [0, { type: "contactor", commanded: true, feedback: true }],
      [1000, { type: "contactor", commanded: false, feedback: true }],
      [1499, { type: "tick" }],
      [1500, { type: "tick" }],
    ]);
    expect(r[1]?.wakeAt).toBe(1500);
    expect(r[2]?.fault).toBeNull();
    expect(r[3]?.fault).toBe("ContactorWelded");
  });

  it("latches ContactorStuckOpen when feedback stays open after a close command", () => {
    const r = feed([
      [0, { type: "contactor", commanded: true, feedback: false }],
      [600, { type: "tick" }],
    ]);
    expect(r[1]?.fault).toBe("ContactorStuckOpen");
  });

  it("accepts a contact that follows within the settle time", () => {
    const r = feed([
      [0, { type: "contactor", commanded: true, feedback: false }],
      [80, { type: "contactor", commanded: true, feedback: true }],
      [600, { type: "tick" }],
    ]);
    expect(r.map((x) => x.fault)).toEqual([null, null, null]);
  });

  it("says nothing without feedback", () => {
    const r = feed([
      [0, { type: "contactor", commanded: true, feedback: undefined }],
      [10_000, { type: "tick" }],
    ]);
    expect(r.map((x) => x.fault)).toEqual([null, null]);
  });
});

describe("soft overcurrent", () => {
  const offered16: [number, SupervisionInput] = [0, { type: "offer", amps: 16 }];

  it("trips when a phase stays above offered + 10 % + 0.5 A for more than 5 s", () => {
    // 16 A × 1.1 + 0.5 = 18.1 A allowed.
    const r = feed([
      offered16,
      [1000, { type: "current", amps: [18.2, 16, 16] }],
      [6000, { type: "current", amps: [18.2, 16, 16] }],
      [6001, { type: "current", amps: [18.2, 16, 16] }],
    ]);
    expect(r.map((x) => x.fault)).toEqual([null, null, null, "OverCurrent"]);
  });

  it("does not trip at exactly the allowance or for a short excursion", () => {
    const r = feed([
      offered16,
      [1000, { type: "current", amps: [18.1] }],
      [2000, { type: "current", amps: [25] }],
      [3000, { type: "current", amps: [16] }],
      [9000, { type: "current", amps: [25] }],
      [13_000, { type: "current", amps: [25] }],
    ]);
    expect(r.every((x) => x.fault === null)).toBe(true);
  });

  it("gives the vehicle the grace period to follow a lowered offer", () => {
    const r = feed([
      [0, { type: "offer", amps: 32 }],
      [100_000, { type: "offer", amps: 10 }],
      [100_500, { type: "current", amps: [31] }],
      [104_900, { type: "current", amps: [31] }],
      [105_600, { type: "current", amps: [31] }],
      [111_000, { type: "current", amps: [31] }],
    ]);
    expect(r.map((x) => x.fault)).toEqual([null, null, null, null, null, "OverCurrent"]);
  });
});
