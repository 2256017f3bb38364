import type { Clock, Pilot, PilotEvent, PilotOutput, PilotState, Unsubscribe } from "../types.js";
import { Listeners } from "../listeners.js";
import type { SimLog, SimWorld } from "./world.js";

/**
 * The simulated pilot controller. `setOutput` drives the world's pilot line; a `state` event is
 * emitted whenever the measured state or the diode result changes, and once after `start()` with the
 * current reading (on a 0 ms timer). Events come from the world's timers and actions, never from
 * inside `setOutput`.
 */
export class SimPilot implements Pilot {
  private readonly listeners: Listeners<PilotEvent>;
  private last: { state: PilotState; diodeOk: boolean } | undefined;
  private unsubscribe: Unsubscribe | undefined;

  constructor(
    private readonly world: SimWorld,
    private readonly clock: Clock,
    log: SimLog = () => {},
  ) {
    this.listeners = new Listeners((err) => log("sim pilot: listener failed", { error: String(err) }));
  }

  async start(): Promise<void> {
    if (this.unsubscribe) return;
    this.last = undefined;
    this.unsubscribe = this.world.subscribe((e) => {
      if (e.kind === "changed") this.report();
    });
    this.clock.setTimer(0, () => this.report());
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  setOutput(output: PilotOutput): void {
    this.world.setPilotOutput(output);
  }

  on(listener: (event: PilotEvent) => void): Unsubscribe {
    return this.listeners.add(listener);
  }

  private report(): void {
    if (!this.unsubscribe) return;
    const now = this.world.pilot;
    if (this.last && this.last.state === now.state && this.last.diodeOk === now.diodeOk) return;
    this.last = now;
    this.listeners.emit({ kind: "state", state: now.state, diodeOk: now.diodeOk });
  }
}
