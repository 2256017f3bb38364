import type { Contactor, Unsubscribe } from "../types.js";
import { Listeners } from "../listeners.js";
import type { SimLog, SimWorld } from "./world.js";

/**
 * The simulated contactor, with feedback: `feedback()` is the world's physical contact position
 * (closed while welded, whatever the command). `set` takes effect at once; `onFeedback` listeners are
 * called when the physical position changes, from the world's timers or actions, never inside `set`.
 * `stop()` opens the contactor (its coil loses power with the process).
 */
export class SimContactor implements Contactor {
  readonly hasFeedback = true;
  private readonly listeners: Listeners<boolean>;
  private lastFeedback = false;
  private unsubscribe: Unsubscribe | undefined;

  constructor(
    private readonly world: SimWorld,
    log: SimLog = () => {},
  ) {
    this.listeners = new Listeners((err) => log("sim contactor: listener failed", { error: String(err) }));
  }

  async start(): Promise<void> {
    if (this.unsubscribe) return;
    this.lastFeedback = this.world.contactorClosed;
    this.unsubscribe = this.world.subscribe((e) => {
      if (e.kind !== "changed") return;
      const now = this.world.contactorClosed;
      if (now === this.lastFeedback) return;
      this.lastFeedback = now;
      this.listeners.emit(now);
    });
  }

  async stop(): Promise<void> {
    this.world.setContactor(false);
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  set(closed: boolean): void {
    this.world.setContactor(closed);
  }

  get commanded(): boolean {
    return this.world.contactorCommanded;
  }

  feedback(): boolean {
    return this.world.contactorClosed;
  }

  onFeedback(listener: (closed: boolean) => void): Unsubscribe {
    return this.listeners.add(listener);
  }
}
