import { accessHint, GpioAccessError } from "./chip.js";
import { DEFAULT_GPIO_ROOT, type GpioLine, type GpioPort, type Level } from "./port.js";

/**
 * GPIO on a real Pi through onoff (sysfs, edge interrupts via epoll). onoff always uses
 * /sys/class/gpio and takes sysfs numbers (base + BCM). Loaded lazily so other boards never load
 * its native module. Levels are physical; onoff's own activeLow and debounce stay off.
 */
export class OnoffGpioPort implements GpioPort {
  readonly root = DEFAULT_GPIO_ROOT;

  async output(n: number, initial: Level): Promise<GpioLine> {
    const { Gpio } = await load();
    return wrap(n, () => new Gpio(n, initial ? "high" : "low"));
  }

  async input(n: number): Promise<GpioLine> {
    const { Gpio } = await load();
    return wrap(n, () => new Gpio(n, "in", "both"));
  }
}

async function load(): Promise<typeof import("onoff")> {
  try {
    return await import("onoff");
  } catch (err) {
    throw new GpioAccessError(
      `onoff cannot load: ${err instanceof Error ? err.message : String(err)}`,
      "GPIO needs Linux with sysfs GPIO (a Raspberry Pi)",
    );
  }
}

function wrap(n: number, create: () => import("onoff").Gpio): GpioLine {
  let gpio: import("onoff").Gpio;
  try {
    gpio = create();
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    throw new GpioAccessError(
      `GPIO ${n}: ${msg}`,
      /EACCES|EPERM/.test(msg) ? accessHint() : "check the pin number and that no other program holds it",
    );
  }
  return {
    read: () => gpio.readSync(),
    write: (level) => gpio.writeSync(level),
    watch: (onEdge) => gpio.watch(() => onEdge()),
    close: () => {
      try {
        gpio.unwatchAll();
        gpio.unexport();
      } catch {
        // already unexported
      }
    },
  };
}
