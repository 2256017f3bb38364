import { writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ManualClock } from "../../../../drivers/clock/manual.js";
import { DEMO_SCENARIO, loadScenario, parseScenario, type Scenario, ScenarioRunner } from "../../../../drivers/sim/index.js";
import { InputError } from "../../../../src/config/validate.js";
import { makeWorld, tempFile } from "./helpers.js";

function errorOf(fn: () => unknown): InputError {
  try {
    fn();
  } catch (err) {
    if (err instanceof InputError) return err;
    throw err;
  }
  throw new Error("expected an InputError");
}

describe("scenario files", () => {
  it("loads YAML and JSON scenario files", () => {
    const yaml = tempFile("s.yaml");
    writeFileSync(yaml, "repeat: true\nsteps:\n  - do: plug\n  - wait: 2.5\n  - do: token\n    id: 04A1B2C3D4\n");
    expect(loadScenario(yaml)).toEqual({
      repeat: true,
      steps: [{ do: "plug" }, { wait: 2.5 }, { do: "token", id: "04A1B2C3D4" }],
    });
    const json = tempFile("s.json");
    writeFileSync(json, JSON.stringify({ steps: [{ do: "draw", amps: 16 }] }));
    expect(loadScenario(json).steps).toEqual([{ do: "draw", amps: 16 }]);
  });

  it.each([
    ["an unknown action", "steps:\n  - do: jump\n", "/steps/0", /unknown do/],
    ["a bad argument", "steps:\n  - do: draw\n    amps: 120\n", "/steps/0/amps", /<= 80/],
    ["a missing argument", "steps:\n  - do: draw\n", "/steps/0", /missing required key 'amps'/],
    ["an unknown key", "steps:\n  - wait: 1\n  - do: plug\n    force: true\n", "/steps/1", /unknown key 'force'/],
    ["a negative wait", "steps:\n  - wait: -1\n", "/steps/0/wait", />= 0/],
    ["no steps", "steps: []\n", "/steps", /fewer than 1/],
    ["an unknown top-level key", "step: []\n", "/", /unknown key 'step'|missing required key 'steps'/],
    ["a repeat without a wait", "repeat: true\nsteps:\n  - do: plug\n  - do: unplug\n", "/steps", /wait longer than 0 s/],
    ["broken YAML", "steps: [\n", "/", /not valid YAML/],
  ])("names the file, the path and the problem for %s", (_name, text, path, problem) => {
    const file = tempFile("bad.yaml");
    writeFileSync(file, text);
    const err = errorOf(() => loadScenario(file));
    expect(err.source).toBe(file);
    expect(err.path).toBe(path);
    expect(err.problem).toMatch(problem);
    expect(err.message).toContain(file);
  });

  it("names a file it cannot read", () => {
    const err = errorOf(() => loadScenario("/nonexistent/scenario.yaml"));
    expect(err.message).toMatch(/\/nonexistent\/scenario.yaml: \/: cannot read: ENOENT/);
  });

  it("accepts the built-in demo", () => {
    expect(parseScenario(JSON.stringify(DEMO_SCENARIO), "demo")).toEqual(DEMO_SCENARIO);
  });
});

describe("ScenarioRunner", () => {
  const script: Scenario = {
    steps: [{ do: "plug" }, { wait: 3 }, { do: "token", id: "AB" }, { wait: 60 }, { do: "unplug" }],
  };

  it("runs the steps on the clock", () => {
    const { world, clock } = makeWorld();
    const tokens: string[] = [];
    world.subscribe((e) => e.kind === "token" && tokens.push(e.id));
    const runner = new ScenarioRunner({ world, clock, scenario: script });
    runner.start();
    expect(world.plugged).toBe(true);
    clock.advance(2999);
    expect(tokens).toEqual([]);
    clock.advance(1);
    expect(tokens).toEqual(["AB"]);
    clock.advance(60_000);
    expect(world.plugged).toBe(false);
    expect(runner.done).toBe(true);
  });

  it("repeats a repeating scenario", () => {
    const { world, clock } = makeWorld();
    let plugs = 0;
    world.subscribe((e) => {
      if (e.kind === "plugged") plugs++;
    });
    new ScenarioRunner({
      world,
      clock,
      scenario: { repeat: true, steps: [{ do: "plug" }, { wait: 10 }, { do: "unplug" }, { wait: 5 }] },
    }).start();
    clock.advance(44_000);
    expect(plugs).toBe(3);
  });

  it("resumes from the cursor saved in the world file, with the wait that was left", () => {
    const file = tempFile();
    const first = makeWorld({ worldFile: file });
    const tokens: string[] = [];
    new ScenarioRunner({ world: first.world, clock: first.clock, scenario: script }).start();
    first.clock.advance(3000);
    first.clock.advance(20_000);
    first.world.save();
    // Killed here, 20 s into the 60 s wait.

    const second = makeWorld({ worldFile: file, clock: new ManualClock() });
    second.world.subscribe((e) => e.kind === "token" && tokens.push(e.id));
    const runner = new ScenarioRunner({ world: second.world, clock: second.clock, scenario: script });
    runner.start();
    expect(runner.cursor).toMatchObject({ index: 3, waitRemainingMs: 40_000 });
    expect(second.world.plugged).toBe(true);
    expect(tokens).toEqual([]);
    second.clock.advance(39_999);
    expect(second.world.plugged).toBe(true);
    second.clock.advance(1);
    expect(second.world.plugged).toBe(false);
  });

  it("starts from the beginning when the saved cursor belongs to another scenario", () => {
    const file = tempFile();
    const first = makeWorld({ worldFile: file });
    new ScenarioRunner({ world: first.world, clock: first.clock, scenario: script }).start();
    first.clock.advance(10_000);
    first.world.stop();
    const second = makeWorld({ worldFile: file, clock: new ManualClock() });
    const runner = new ScenarioRunner({ world: second.world, clock: second.clock, scenario: { steps: [{ wait: 5 }, { do: "unplug" }] } });
    runner.start();
    expect(runner.cursor).toMatchObject({ index: 0, waitRemainingMs: 5000 });
  });

  it("keeps the cursor in the state after stop", () => {
    const file = tempFile();
    const { world, clock } = makeWorld({ worldFile: file });
    const runner = new ScenarioRunner({ world, clock, scenario: script });
    runner.start();
    clock.advance(1000);
    runner.stop();
    world.stop();
    expect(world.snapshot().scenario).toMatchObject({ index: 1, waitRemainingMs: 2000 });
  });

  it("rejects an invalid scenario given in code", () => {
    const bad = { steps: [{ do: "draw", amps: -1 }] } as unknown as Scenario;
    const { world, clock } = makeWorld();
    expect(() => new ScenarioRunner({ world, clock, scenario: bad, source: "test" })).toThrow(/test: \/steps\/0\/amps/);
  });
});
