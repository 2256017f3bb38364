import { describe, expect, it } from "vitest";
import type { PilotState } from "../../../drivers/types.js";
import { connectorStatus } from "../../../src/core/connector-status.js";
import { type CoreConfig, type CoreEvent, type CoreState, initialState, type StepResult, step } from "../../../src/core/iec61851.js";

const cfg: CoreConfig = { maxCurrentA: 32, dutyChangeMinIntervalMs: 5000, c1ForceOpenMs: 6000, ventilationAllowed: false };
const pilot = (state: PilotState, diodeOk = true): CoreEvent => ({ type: "pilot", state, diodeOk });
const authorize: CoreEvent = { type: "authorize", authorization: { tokenId: "04A1B2C3D4", source: "rfid" } };

/** Feeds events at the given monotonic times; returns every step's result, last one last. */
function run(events: [number, CoreEvent][], config = cfg, start: CoreState = initialState(16)): StepResult[] {
  const out: StepResult[] = [];
  let s = start;
  for (const [t, e] of events) {
    const r = step(config, s, e, t);
    out.push(r);
    s = r.state;
  }
  return out;
}
const last = (rs: StepResult[]) => rs[rs.length - 1] as StepResult;

/** A vehicle charging at 16 A, reached at t = 0. */
function charging(config = cfg): CoreState {
  return last(
    run(
      [
        [0, pilot("B")],
        [0, authorize],
        [0, pilot("C")],
      ],
      config,
    ),
  ).state;
}

describe("boot", () => {
  it("starts with the contactor open, nothing offered and the pilot unknown", () => {
    const s = initialState(16);
    expect(s.contactorClosed).toBe(false);
    expect(s.output).toEqual({ mode: "standby" });
    expect(connectorStatus(s)).toBe("Unavailable");
  });
});

describe("plug-in and authorization", () => {
  it("A → B without authorization offers nothing and waits (Preparing)", () => {
    const r = last(
      run([
        [0, pilot("A")],
        [10, pilot("B")],
      ]),
    );
    expect(r.state.output).toEqual({ mode: "standby" });
    expect(r.state.contactorClosed).toBe(false);
    expect(connectorStatus(r.state)).toBe("Preparing");
  });

  it("authorization in B turns PWM on at the limit (B2, SuspendedEV)", () => {
    const r = last(
      run([
        [0, pilot("B")],
        [10, authorize],
      ]),
    );
    expect(r.commands).toEqual([{ type: "pilot", output: { mode: "pwm", dutyPct: 26.7, currentA: 16 } }]);
    expect(connectorStatus(r.state)).toBe("SuspendedEV");
  });

  it("B2 → C closes the contactor after the PWM is on (Charging)", () => {
    const r = last(
      run([
        [0, pilot("B")],
        [0, authorize],
        [100, pilot("C")],
      ]),
    );
    expect(r.commands).toEqual([{ type: "contactor", closed: true }]);
    expect(connectorStatus(r.state)).toBe("Charging");
  });

  it("authorization before plug-in (tap, then plug) offers PWM at B", () => {
    const r = last(
      run([
        [0, pilot("A")],
        [0, authorize],
        [100, pilot("B")],
      ]),
    );
    expect(r.state.output.mode).toBe("pwm");
  });

  it("never closes in C without authorization (C1 from the vehicle side)", () => {
    const r = last(
      run([
        [0, pilot("B")],
        [10, pilot("C")],
        [20_000, { type: "tick" }],
      ]),
    );
    expect(r.state.contactorClosed).toBe(false);
    expect(r.state.output).toEqual({ mode: "standby" });
  });

  it("caps the offer at the station maximum", () => {
    const r = last(
      run(
        [
          [0, pilot("B")],
          [0, authorize],
          [0, { type: "limit", amps: 63 }],
        ],
        cfg,
        initialState(63),
      ),
    );
    expect(r.state.output).toMatchObject({ mode: "pwm", currentA: 32 });
  });
});

describe("opening", () => {
  it("C → B (vehicle stops) opens the contactor in the same step", () => {
    const r = step(cfg, charging(), pilot("B"), 1);
    expect(r.commands[0]).toEqual({ type: "contactor", closed: false });
    expect(r.state.output.mode).toBe("pwm");
    expect(connectorStatus(r.state)).toBe("SuspendedEV");
  });

  it("C → A (unplugged under load) opens at once and forgets the authorization", () => {
    const r = step(cfg, charging(), pilot("A"), 1);
    expect(r.commands[0]).toEqual({ type: "contactor", closed: false });
    expect(r.state.authorization).toBeNull();
    expect(r.state.output).toEqual({ mode: "standby" });
    expect(connectorStatus(r.state)).toBe("Available");
  });

  it("C → E (CP shorted) opens at once and latches PilotShort with −12 V", () => {
    const r = step(cfg, charging(), pilot("E"), 1);
    expect(r.commands[0]).toEqual({ type: "contactor", closed: false });
    expect(r.state.faults).toEqual(["PilotShort"]);
    expect(r.state.output).toEqual({ mode: "off" });
    expect(connectorStatus(r.state)).toBe("Faulted");
  });

  it("F measured while not driving −12 V opens at once and latches PilotFault", () => {
    const r = step(cfg, charging(), pilot("F"), 1);
    expect(r.commands[0]).toEqual({ type: "contactor", closed: false });
    expect(r.state.faults).toEqual(["PilotFault"]);
  });

  it("a failed diode check opens at once and latches DiodeFault", () => {
    const r = step(cfg, charging(), pilot("C", false), 1);
    expect(r.commands[0]).toEqual({ type: "contactor", closed: false });
    expect(r.state.faults).toEqual(["DiodeFault"]);
  });

  it("a diode fault at plug-in prevents the close", () => {
    const r = last(
      run([
        [0, pilot("B", false)],
        [0, authorize],
        [10, pilot("C", false)],
      ]),
    );
    expect(r.state.contactorClosed).toBe(false);
    expect(r.state.faults).toContain("DiodeFault");
  });

  it("an unknown pilot (controller lost) opens at once", () => {
    const r = step(cfg, charging(), { type: "pilotLost" }, 1);
    expect(r.commands[0]).toEqual({ type: "contactor", closed: false });
  });

  it("a fault from a driver or the supervisor opens at once", () => {
    const r = step(cfg, charging(), { type: "fault", code: "GroundFault" }, 1);
    expect(r.commands).toEqual([
      { type: "contactor", closed: false },
      { type: "pilot", output: { mode: "off" } },
    ]);
  });

  it("C → D without ventilation opens; with ventilation it keeps charging", () => {
    expect(step(cfg, charging(), pilot("D"), 1).state.contactorClosed).toBe(false);
    const vent = { ...cfg, ventilationAllowed: true };
    expect(step(vent, charging(vent), pilot("D"), 1).state.contactorClosed).toBe(true);
  });

  it("becoming unavailable shows F and opens at once; available again resumes the offer", () => {
    const down = step(cfg, charging(), { type: "availability", available: false }, 1);
    expect(down.commands[0]).toEqual({ type: "contactor", closed: false });
    expect(down.state.output).toEqual({ mode: "off" });
    expect(connectorStatus(down.state)).toBe("Unavailable");
    const up = step(cfg, down.state, { type: "availability", available: true }, 6000);
    expect(up.state.output.mode).toBe("pwm");
  });
});

describe("C1: PWM withdrawn while the vehicle stays in C", () => {
  it("a stop turns PWM off at once and keeps the contactor closed while the vehicle reacts", () => {
    const r = step(cfg, charging(), { type: "deauthorize", reason: "Remote" }, 1000);
    expect(r.commands).toEqual([{ type: "pilot", output: { mode: "standby" } }]);
    expect(r.state.contactorClosed).toBe(true);
    expect(r.wakeAt).toBe(7000);
  });

  it("opens when the vehicle goes to B, and shows Finishing", () => {
    const stopped = step(cfg, charging(), { type: "deauthorize", reason: "Remote" }, 1000).state;
    const r = step(cfg, stopped, pilot("B"), 2500);
    expect(r.commands).toEqual([{ type: "contactor", closed: false }]);
    expect(connectorStatus(r.state)).toBe("Finishing");
  });

  it("forces the contactor open 6 s after PWM went off, not before", () => {
    const stopped = step(cfg, charging(), { type: "deauthorize", reason: "Remote" }, 1000).state;
    const early = step(cfg, stopped, { type: "tick" }, 6999);
    expect(early.state.contactorClosed).toBe(true);
    const due = step(cfg, early.state, { type: "tick" }, 7000);
    expect(due.commands).toEqual([{ type: "contactor", closed: false }]);
  });

  it("a limit below 6 A is a C1 too: PWM off, contactor open after 6 s", () => {
    const r = run(
      [
        [10_000, { type: "limit", amps: 4 }],
        [16_000, { type: "tick" }],
      ],
      cfg,
      charging(),
    );
    expect(r[0]?.commands).toEqual([{ type: "pilot", output: { mode: "standby" } }]);
    expect(connectorStatus(r[0]?.state as CoreState)).toBe("SuspendedEVSE");
    expect(r[1]?.commands).toEqual([{ type: "contactor", closed: false }]);
  });
});

describe("duty changes", () => {
  it("applies at most one change per 5 s and the deferred one at the wake time", () => {
    const r = run(
      [
        [10_000, { type: "limit", amps: 20 }],
        [12_000, { type: "limit", amps: 10 }],
        [15_000, { type: "tick" }],
      ],
      cfg,
      charging(),
    );
    expect(r[0]?.commands).toEqual([{ type: "pilot", output: { mode: "pwm", dutyPct: 33.3, currentA: 20 } }]);
    expect(r[1]?.commands).toEqual([]);
    expect(r[1]?.wakeAt).toBe(15_000);
    expect(r[2]?.commands).toEqual([{ type: "pilot", output: { mode: "pwm", dutyPct: 16.7, currentA: 10 } }]);
  });

  it("lowering to stop is immediate even right after a change", () => {
    const r = run(
      [
        [10_000, { type: "limit", amps: 20 }],
        [10_100, { type: "deauthorize", reason: "Local" }],
      ],
      cfg,
      charging(),
    );
    expect(r[1]?.commands).toEqual([{ type: "pilot", output: { mode: "standby" } }]);
  });

  it("a change back to the value in force before the deferred one was due changes nothing", () => {
    const r = run(
      [
        [10_000, { type: "limit", amps: 20 }],
        [11_000, { type: "limit", amps: 10 }],
        [12_000, { type: "limit", amps: 20 }],
      ],
      cfg,
      charging(),
    );
    expect(r[2]?.commands).toEqual([]);
    expect(r[2]?.wakeAt).toBeNull();
  });
});

describe("fault latching", () => {
  it("a fault stays latched after the condition goes away and blocks charging", () => {
    const r = run(
      [
        [1, pilot("E")],
        [2, pilot("B")],
        [3, pilot("C")],
      ],
      cfg,
      charging(),
    );
    const s = last(r).state;
    expect(s.faults).toEqual(["PilotShort"]);
    expect(s.contactorClosed).toBe(false);
    expect(s.output).toEqual({ mode: "off" });
  });

  it("clearing the faults resumes charging when nothing is wrong any more", () => {
    const r = run(
      [
        [1, pilot("E")],
        [2, pilot("C")],
        [10_000, { type: "clearFaults" }],
      ],
      cfg,
      charging(),
    );
    expect(last(r).state.faults).toEqual([]);
    expect(last(r).state.output.mode).toBe("pwm");
    expect(last(r).state.contactorClosed).toBe(true);
  });

  it("collects distinct faults once each", () => {
    const r = run(
      [
        [1, { type: "fault", code: "OverCurrent" }],
        [2, { type: "fault", code: "OverCurrent" }],
        [3, { type: "fault", code: "NoGround" }],
      ],
      cfg,
      charging(),
    );
    expect(last(r).state.faults).toEqual(["OverCurrent", "NoGround"]);
  });
});

describe("every pilot transition of a charging session", () => {
  const states: PilotState[] = ["A", "B", "C", "D", "E", "F"];
  const expected: Record<PilotState, { closed: boolean; faults: string[]; authorized: boolean }> = {
    A: { closed: false, faults: [], authorized: false },
    B: { closed: false, faults: [], authorized: true },
    C: { closed: true, faults: [], authorized: true },
    D: { closed: false, faults: [], authorized: true },
    E: { closed: false, faults: ["PilotShort"], authorized: true },
    F: { closed: false, faults: ["PilotFault"], authorized: true },
  };
  for (const from of states) {
    for (const to of states) {
      it(`${from} → ${to} leaves the contactor ${expected[to].closed ? "closed" : "open"}`, () => {
        // Reach `from` from an authorized plug-in at 16 A.
        const base = last(
          run([
            [0, pilot("B")],
            [0, authorize],
          ]),
        ).state;
        const atFrom = step(cfg, { ...base, faults: [] }, pilot(from), 1).state;
        const fromClean = { ...atFrom, faults: [], authorization: base.authorization, output: base.output };
        const r = step(cfg, fromClean, pilot(to), 2);
        expect(r.state.contactorClosed).toBe(expected[to].closed);
        expect([...r.state.faults]).toEqual(expected[to].faults);
        // Only A after a plug-in says the vehicle left: E, F and unknown keep the plug-in and its
        // authorization; A → A keeps an authorization given before the plug (tap, then plug).
        expect(r.state.authorization !== null).toBe(to !== "A" || from === "A");
        if (!expected[to].closed) expect(r.commands.some((c) => c.type === "contactor" && c.closed)).toBe(false);
      });
    }
  }
});
