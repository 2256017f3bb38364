import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { type TProperties, Type } from "@sinclair/typebox";
import { parse as parseYaml } from "yaml";
import { InputError, Validator } from "../../src/config/validate.js";
import { checkSimAction, SIM_ACTION_VARIANTS, type SimAction, type SimActionName } from "./actions.js";

/**
 * Scenario files script the simulated vehicle (YAML or JSON):
 *
 *     repeat: true            # start over after the last step (needs a wait > 0 somewhere)
 *     steps:
 *       - do: plug            # any sim action, its arguments beside `do`
 *       - wait: 3             # seconds of simulated time
 *       - do: token
 *         id: 04A1B2C3D4
 */
export type ScenarioStep = WaitStep | DoStep;
export type WaitStep = { readonly wait: number };
export type DoStep = { readonly do: SimActionName } & Readonly<Record<string, unknown>>;

export interface Scenario {
  readonly repeat?: boolean;
  readonly steps: readonly ScenarioStep[];
}

/** A step ready to run: a wait in ms or a checked action. */
export type CompiledStep = { readonly kind: "wait"; readonly ms: number } | { readonly kind: "do"; readonly action: SimAction };

const closed = { additionalProperties: false } as const;

const WaitStepSchema = Type.Object(
  { wait: Type.Number({ minimum: 0, maximum: 31_536_000, description: "Seconds of simulated time." }) },
  closed,
);

/** One `do` variant per sim action: the action's arguments with `do` in place of `action`. */
const DO_STEP_VARIANTS = SIM_ACTION_VARIANTS.map((variant) => {
  const { action, ...args } = variant.properties as TProperties;
  return Type.Object({ do: action ?? Type.Never(), ...args }, closed);
});

/** A step is a wait when it has `wait`, else an action discriminated on `do` (one clear error each). */
const StepSchema = Type.Unsafe<ScenarioStep>({
  type: "object",
  if: { required: ["wait"] },
  // JSON Schema's if/then/else, not a promise.
  then: WaitStepSchema,
  else: { type: "object", required: ["do"], discriminator: { propertyName: "do" }, oneOf: DO_STEP_VARIANTS },
});

export const ScenarioSchema = Type.Object(
  {
    repeat: Type.Optional(Type.Boolean({ description: "Start over after the last step." })),
    steps: Type.Array(StepSchema, { minItems: 1 }),
  },
  closed,
);

const scenarioValidator = new Validator(ScenarioSchema);

/** The built-in demo: a vehicle arrives, is authorized with the test card, charges, pauses, resumes, leaves. */
export const DEMO_SCENARIO: Scenario = {
  repeat: true,
  steps: [
    { do: "soc", pct: 30 },
    { do: "draw", amps: 16 },
    { do: "plug" },
    { wait: 3 },
    { do: "token", id: "04A1B2C3D4" },
    { wait: 20 * 60 },
    { do: "pause" },
    { wait: 2 * 60 },
    { do: "resume" },
    { wait: 10 * 60 },
    { do: "unplug" },
    { wait: 60 },
  ],
};

/**
 * Check a scenario's structure and meaning and compile its steps. Throws InputError naming `source`,
 * the path (e.g. `/steps/3/amps`) and the problem.
 */
export function compileScenario(value: unknown, source: string): { scenario: Scenario; steps: CompiledStep[] } {
  const scenario = scenarioValidator.check(value, source) as Scenario;
  const steps = scenario.steps.map((step, i): CompiledStep => {
    const wait = (step as Partial<WaitStep>).wait;
    if (typeof wait === "number") return { kind: "wait", ms: wait * 1000 };
    const { do: name, ...args } = step as DoStep;
    return { kind: "do", action: checkSimAction({ ...args, action: name }, `${source}#/steps/${i}`) };
  });
  if (scenario.repeat && !steps.some((s) => s.kind === "wait" && s.ms > 0)) {
    throw new InputError(source, "/steps", "a repeating scenario needs at least one wait longer than 0 s");
  }
  return { scenario, steps };
}

/** Parse scenario text (YAML, or JSON, which is YAML too). Throws InputError naming `source`. */
export function parseScenario(text: string, source: string): Scenario {
  let value: unknown;
  try {
    value = parseYaml(text);
  } catch (err) {
    const first = (err as Error).message.split("\n")[0] ?? "";
    throw new InputError(source, "/", `not valid YAML: ${first}`);
  }
  return compileScenario(value, source).scenario;
}

/** Read and check a scenario file. Throws InputError naming the file. */
export function loadScenario(path: string): Scenario {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new InputError(path, "/", `cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return parseScenario(text, path);
}

/** A short fingerprint of a scenario, so a saved cursor is only resumed by the same scenario. */
export function scenarioId(scenario: Scenario): string {
  return createHash("sha256").update(JSON.stringify(scenario)).digest("hex").slice(0, 16);
}
