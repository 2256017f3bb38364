import type { Contactor, Unsubscribe } from "../types.js";
import type { DigitalInput } from "./input.js";
import type { GpioLine, GpioPort, Level } from "./port.js";

export interface GpioContactorOptions {
  readonly port: GpioPort;
  /** Line number of the output in the port's numbering (BCM through bcmPort). */
  readonly line: number;
  readonly activeLow: boolean;
  readonly feedback?: DigitalInput;
}

/**
 * A contactor on a GPIO output, with optional feedback input. Contract: the output is exported
 * already open (no glitch at boot); `set` writes the pin synchronously; `stop` opens it and
 * unexports; `feedback()` is the debounced sensed position, undefined without feedback input.
 */
export class GpioContactor implements Contactor {
  private out: GpioLine | undefined;
  private closed = false;

  constructor(private readonly opts: GpioContactorOptions) {}

  get commanded(): boolean {
    return this.closed;
  }

  get hasFeedback(): boolean {
    return this.opts.feedback !== undefined;
  }

  async start(): Promise<void> {
    this.closed = false;
    this.out = await this.opts.port.output(this.opts.line, this.level(false));
    try {
      await this.opts.feedback?.start();
    } catch (err) {
      this.out.close();
      this.out = undefined;
      throw err;
    }
  }

  async stop(): Promise<void> {
    this.set(false);
    this.out?.close();
    this.out = undefined;
    await this.opts.feedback?.stop();
  }

  set(closed: boolean): void {
    this.closed = closed;
    this.out?.write(this.level(closed));
  }

  feedback(): boolean | undefined {
    return this.opts.feedback?.value();
  }

  onFeedback(listener: (closed: boolean) => void): Unsubscribe {
    return this.opts.feedback ? this.opts.feedback.on(listener) : () => {};
  }

  private level(closed: boolean): Level {
    return closed !== this.opts.activeLow ? 1 : 0;
  }
}
