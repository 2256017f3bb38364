import { Listeners } from "../listeners.js";
import type { Clock, TimerHandle, Unsubscribe } from "../types.js";
import type { GpioLine, GpioPort } from "./port.js";

export interface DigitalInputOptions {
  readonly port: GpioPort;
  /** Line number in the port's numbering (BCM through bcmPort). */
  readonly line: number;
  readonly activeLow: boolean;
  readonly debounceMs: number;
  readonly clock: Clock;
}

/**
 * A debounced digital input (contactor auxiliary contact, voltage sense, a utility's load-control
 * relay, "ventilation available"). Contract: `value()` is the last stable logical value (active-low
 * applied), undefined before `start`; a change is reported once the level has stayed put for
 * `debounceMs` after the last edge; bounces that return to the stable value report nothing.
 */
export class DigitalInput {
  private readonly changes = new Listeners<boolean>();
  private gpio: GpioLine | undefined;
  private stable: boolean | undefined;
  private settle: TimerHandle | undefined;

  constructor(private readonly opts: DigitalInputOptions) {}

  async start(): Promise<void> {
    const gpio = await this.opts.port.input(this.opts.line);
    this.gpio = gpio;
    this.stable = this.sample(gpio);
    gpio.watch(() => this.onEdge());
  }

  stop(): Promise<void> {
    this.settle?.cancel();
    this.gpio?.close();
    this.gpio = undefined;
    this.stable = undefined;
    return Promise.resolve();
  }

  value(): boolean | undefined {
    return this.stable;
  }

  on(listener: (value: boolean) => void): Unsubscribe {
    return this.changes.add(listener);
  }

  private sample(gpio: GpioLine): boolean {
    return (gpio.read() === 1) !== this.opts.activeLow;
  }

  private onEdge(): void {
    this.settle?.cancel();
    this.settle = this.opts.clock.setTimer(this.opts.debounceMs, () => {
      const gpio = this.gpio;
      if (!gpio) return;
      const v = this.sample(gpio);
      if (v === this.stable) return;
      this.stable = v;
      this.changes.emit(v);
    });
  }
}
