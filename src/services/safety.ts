import type { Clock, Contactor, FaultCode, TimerHandle } from "../../drivers/types.js";
import type { Bus } from "../app/bus.js";
import {
  initialSupervision,
  type SupervisionConfig,
  type SupervisionInput,
  type SupervisionState,
  supervise,
} from "../core/supervision.js";

/**
 * Watches what the contactor really does and what the vehicle really draws, and latches a fault in
 * the controller when they disagree with what was commanded (weld, stuck open, soft overcurrent).
 * Inputs arrive from driver callbacks and the bus; the fault reaches the controller synchronously.
 */
export class SafetySupervisor {
  private state: SupervisionState = initialSupervision();
  private wake: TimerHandle | null = null;
  private readonly unsubscribe: (() => void)[] = [];
  private lastOffer = -1;

  constructor(
    private readonly deps: {
      readonly config: SupervisionConfig;
      readonly contactor?: Contactor;
      readonly bus: Bus;
      readonly clock: Clock;
      readonly raiseFault: (code: FaultCode, detail: string) => void;
    },
  ) {}

  start(): void {
    const { contactor, bus } = this.deps;
    if (contactor?.hasFeedback) {
      this.unsubscribe.push(contactor.onFeedback(() => this.contactorInput()));
      this.contactorInput();
    }
    this.unsubscribe.push(
      bus.on("charge", (s) => {
        if (s.offeredA !== this.lastOffer) {
          this.lastOffer = s.offeredA;
          this.feed({ type: "offer", amps: s.offeredA });
        }
        if (contactor?.hasFeedback && s.contactorClosed !== this.state.commanded) this.contactorInput();
      }),
    );
    this.unsubscribe.push(bus.on("meter", ({ reading }) => this.feed({ type: "current", amps: reading.currentA })));
  }

  stop(): void {
    for (const u of this.unsubscribe.splice(0)) u();
    this.wake?.cancel();
  }

  private contactorInput(): void {
    const c = this.deps.contactor;
    if (c) this.feed({ type: "contactor", commanded: c.commanded, feedback: c.feedback() });
  }

  private feed(input: SupervisionInput): void {
    const r = supervise(this.deps.config, this.state, input, this.deps.clock.monotonic());
    this.state = r.state;
    this.wake?.cancel();
    this.wake = null;
    if (r.wakeAt !== null) {
      this.wake = this.deps.clock.setTimer(r.wakeAt - this.deps.clock.monotonic(), () => this.feed({ type: "tick" }));
    }
    if (r.fault) this.deps.raiseFault(r.fault, describe(r.fault, this.state));
  }
}

function describe(code: FaultCode, s: SupervisionState): string {
  switch (code) {
    case "ContactorWelded":
      return "feedback reports closed while commanded open";
    case "ContactorStuckOpen":
      return "feedback reports open while commanded closed";
    case "OverCurrent":
      return `current above the offer + 10 % + 0.5 A since ${Math.round(s.overSince ?? 0)} ms`;
    default:
      return code;
  }
}
