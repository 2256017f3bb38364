/** A physical level on a pin: 1 = high. Active-low inversion is done above the port. */
export type Level = 0 | 1;

/** One exported GPIO line, by sysfs number. */
export interface GpioLine {
  /** The physical level now. */
  read(): Level;
  /** Drive an output; synchronous (the contactor's safety path). */
  write(level: Level): void;
  /** Call `onEdge` on every level change of an input (interrupt-driven where the port can). */
  watch(onEdge: () => void): void;
  /** Stop watching and unexport; never throws. */
  close(): void;
}

/** How evsed reaches GPIO: onoff on a real Pi, plain sysfs-like files in tests. */
export interface GpioPort {
  /** The sysfs GPIO root this port works on (for chip discovery and messages). */
  readonly root: string;
  /** Export `n` as an output that starts at `initial` without a glitch. */
  output(n: number, initial: Level): Promise<GpioLine>;
  /** Export `n` as an input with interrupts on both edges. */
  input(n: number): Promise<GpioLine>;
}

export const DEFAULT_GPIO_ROOT = "/sys/class/gpio";
