import type { Clock, TimerHandle, Unsubscribe } from "../types.js";
import { type CompiledStep, compileScenario, type Scenario, scenarioId } from "./scenario-file.js";
import type { SimLog, SimWorld } from "./world.js";
import type { ScenarioCursor } from "./world-state.js";

export {
  type CompiledStep,
  compileScenario,
  DEMO_SCENARIO,
  type DoStep,
  loadScenario,
  parseScenario,
  type Scenario,
  ScenarioSchema,
  type ScenarioStep,
  scenarioId,
  type WaitStep,
} from "./scenario-file.js";

export interface ScenarioRunnerOptions {
  readonly world: SimWorld;
  readonly clock: Clock;
  readonly scenario: Scenario;
  /** Named in errors, e.g. the scenario file's path; default "scenario". */
  readonly source?: string;
  readonly log?: SimLog;
}

/**
 * Runs a scenario against the world on the clock. Its cursor (the next step, and the wait still to go
 * when that step is a wait) is saved with the world state, so after a restart `start()` resumes where
 * the previous process was — provided the world file holds a cursor of the same scenario. An action
 * step advances the cursor before it acts, and the world writes both together: after a crash a step
 * has either happened with its cursor or not at all.
 */
export class ScenarioRunner {
  private readonly steps: CompiledStep[];
  private readonly repeat: boolean;
  private readonly id: string;
  private index = 0;
  private waitEndsAt: number | undefined;
  private timer: TimerHandle | undefined;
  private detach: Unsubscribe | undefined;
  private finished = false;

  private readonly world: SimWorld;
  private readonly clock: Clock;
  private readonly log: SimLog;

  /** Throws InputError naming `source` when the scenario is invalid. */
  constructor(opts: ScenarioRunnerOptions) {
    this.world = opts.world;
    this.clock = opts.clock;
    this.log = opts.log ?? (() => {});
    this.steps = compileScenario(structuredClone(opts.scenario), opts.source ?? "scenario").steps;
    this.repeat = opts.scenario.repeat ?? false;
    this.id = scenarioId(opts.scenario);
  }

  /** Resume from the saved cursor (or begin) and run. Idempotent. */
  start(): void {
    if (this.detach) return;
    const saved = this.world.savedScenario;
    let resumeWaitMs: number | undefined;
    if (saved && saved.id === this.id && saved.index <= this.steps.length) {
      this.index = saved.index;
      resumeWaitMs = saved.waitRemainingMs;
      this.log("sim scenario: resumed", { index: saved.index, waitRemainingMs: saved.waitRemainingMs });
    }
    this.detach = this.world.attachScenario(() => this.cursor);
    this.run(resumeWaitMs);
  }

  /** Stop running; the cursor (with the remaining wait) stays in the world state. */
  stop(): void {
    this.timer?.cancel();
    this.timer = undefined;
    this.detach?.();
    this.detach = undefined;
  }

  get cursor(): ScenarioCursor {
    const c: ScenarioCursor = { id: this.id, index: this.index };
    if (this.waitEndsAt !== undefined) c.waitRemainingMs = Math.max(0, this.waitEndsAt - this.clock.monotonic());
    return c;
  }

  /** True once a non-repeating scenario ran its last step. */
  get done(): boolean {
    return this.finished;
  }

  private run(resumeWaitMs?: number): void {
    let resume = resumeWaitMs;
    for (;;) {
      if (this.index >= this.steps.length) {
        if (!this.repeat) {
          this.finished = true;
          return;
        }
        this.index = 0;
      }
      const step = this.steps[this.index];
      if (!step) return;
      if (step.kind === "wait") {
        const ms = resume ?? step.ms;
        resume = undefined;
        if (ms > 0) {
          this.waitEndsAt = this.clock.monotonic() + ms;
          this.timer = this.clock.setTimer(ms, () => this.waitDone());
          return;
        }
        this.index++;
        continue;
      }
      resume = undefined;
      this.index++;
      this.log("sim scenario: step", { index: this.index - 1, action: step.action.action });
      this.world.act(step.action);
      if (!this.detach) return;
    }
  }

  private waitDone(): void {
    this.timer = undefined;
    this.waitEndsAt = undefined;
    this.index++;
    this.world.save();
    this.run();
  }
}
