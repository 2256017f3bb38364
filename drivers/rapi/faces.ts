import type { Contactor, Pilot, PilotEvent, PilotOutput, Unsubscribe } from "../types.js";
import type { RapiController } from "./controller.js";

/** The OpenEVSE controller seen as a Pilot: see RapiController for how outputs map to commands. */
export class RapiPilot implements Pilot {
  constructor(private readonly controller: RapiController) {}

  start(): Promise<void> {
    return this.controller.start();
  }

  stop(): Promise<void> {
    return this.controller.stop();
  }

  setOutput(output: PilotOutput): void {
    this.controller.setOutput(output);
  }

  on(listener: (event: PilotEvent) => void): Unsubscribe {
    return this.controller.pilotEvents.add(listener);
  }
}

/**
 * The OpenEVSE controller's own relay seen as a Contactor. `commanded` is what evsed asked;
 * `feedback()` is the controller's charging-on flag (the relay is closed in C/D while enabled),
 * undefined while the controller is unreachable. `set(false)` after `set(true)` sleeps the controller
 * ahead of any queued command; the controller closes the relay itself when the vehicle asks.
 */
export class RapiContactor implements Contactor {
  readonly hasFeedback = true;
  private closed = false;

  constructor(private readonly controller: RapiController) {}

  get commanded(): boolean {
    return this.closed;
  }

  start(): Promise<void> {
    return this.controller.start();
  }

  stop(): Promise<void> {
    return this.controller.stop();
  }

  set(closed: boolean): void {
    const was = this.closed;
    this.closed = closed;
    this.controller.setContactor(closed, was);
  }

  feedback(): boolean | undefined {
    return this.controller.relay();
  }

  onFeedback(listener: (closed: boolean) => void): Unsubscribe {
    return this.controller.feedbackEvents.add(listener);
  }
}
