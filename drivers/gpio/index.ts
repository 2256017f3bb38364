import type { Static } from "@sinclair/typebox";
import type { GpioContactorSpec } from "../../src/config/board-schema.js";
import type { Clock } from "../types.js";
import { findHeaderChip, sysfsNumber } from "./chip.js";
import { GpioContactor } from "./contactor.js";
import { DigitalInput } from "./input.js";
import { OnoffGpioPort } from "./onoff.js";
import { DEFAULT_GPIO_ROOT, type GpioPort } from "./port.js";
import { SysfsGpioPort } from "./sysfs.js";

export { findHeaderChip, GpioAccessError, listChips, sysfsNumber } from "./chip.js";
export { GpioContactor } from "./contactor.js";
export { DigitalInput } from "./input.js";
export type { GpioLine, GpioPort, Level } from "./port.js";
export { SysfsGpioPort } from "./sysfs.js";

export type GpioSpec = Static<typeof GpioContactorSpec>;

export interface GpioDeps {
  readonly clock: Clock;
  /** sysfs GPIO root (config `devices.gpioRoot`); default /sys/class/gpio. */
  readonly gpioRoot?: string;
  /** The GPIO port; default onoff on /sys/class/gpio, plain files under any other root. */
  readonly port?: GpioPort;
}

/** The port for `deps`: onoff on the real root, file I/O under any other. */
export function gpioPort(deps: Pick<GpioDeps, "gpioRoot" | "port">): GpioPort {
  if (deps.port) return deps.port;
  const root = deps.gpioRoot ?? DEFAULT_GPIO_ROOT;
  return root === DEFAULT_GPIO_ROOT ? new OnoffGpioPort() : new SysfsGpioPort(root);
}

/**
 * `port` addressed by BCM pin: the header chip's base is read from `<root>/gpiochip*` at each export
 * (Pi 4 on kernel 6.6: 512, Pi 5: 571), so BCM 17 becomes sysfs 529 or 588. Never hard-coded.
 */
export function bcmPort(port: GpioPort): GpioPort {
  const toSysfs = (bcm: number) => sysfsNumber(findHeaderChip(port.root), bcm);
  return {
    root: port.root,
    output: async (bcm, initial) => port.output(toSysfs(bcm), initial),
    input: async (bcm) => port.input(toSysfs(bcm)),
  };
}

/**
 * A GPIO contactor (BCM pins from the board file) with its optional feedback input. The chip base
 * is read when the contactor starts; start rejects with a GpioAccessError saying what is wrong and
 * which group or udev rule fixes it.
 */
export function createGpioContactor(spec: GpioSpec, deps: GpioDeps): GpioContactor {
  const port = bcmPort(gpioPort(deps));
  const fb = spec.feedback;
  const feedback = fb
    ? new DigitalInput({ port, line: fb.pin, activeLow: fb.activeLow ?? false, debounceMs: fb.debounceMs ?? 20, clock: deps.clock })
    : undefined;
  return new GpioContactor({ port, line: spec.pin, activeLow: spec.activeLow ?? false, ...(feedback ? { feedback } : {}) });
}

/** A generic debounced input a board declares (BCM pin). */
export function createGpioInput(spec: { pin: number; activeLow?: boolean; debounceMs?: number }, deps: GpioDeps): DigitalInput {
  return new DigitalInput({
    port: bcmPort(gpioPort(deps)),
    line: spec.pin,
    activeLow: spec.activeLow ?? false,
    debounceMs: spec.debounceMs ?? 20,
    clock: deps.clock,
  });
}
