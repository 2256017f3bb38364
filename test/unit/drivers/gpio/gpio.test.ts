import { chmodSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../../../drivers/clock/manual.js";
import { createGpioContactor, createGpioInput, findHeaderChip, GpioAccessError, listChips } from "../../../../drivers/gpio/index.js";
import { FakeSysfs } from "./fake-sysfs.js";

const PI4 = [
  { base: 512, ngpio: 58, label: "pinctrl-bcm2711" },
  { base: 570, ngpio: 8, label: "raspberrypi-exp-gpio" },
];
const PI5 = [
  { base: 512, ngpio: 32, label: "gpio-brcmstb@107d508500" },
  { base: 571, ngpio: 54, label: "pinctrl-rp1" },
];

/** Resolve once `check` holds, polling the file system (event-driven writes, no timing assertions). */
async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe("GPIO against temporary sysfs trees", () => {
  let fs: FakeSysfs;
  afterEach(() => fs?.remove());

  it.each([
    ["Pi 4, kernel 6.6", PI4, 512 + 17],
    ["Pi 5", PI5, 571 + 17],
  ])("%s: BCM 17 maps through the chip base read at runtime", async (_what, chips, sysfs) => {
    fs = new FakeSysfs(chips);
    expect(listChips(fs.root).map((c) => c.base)).toEqual(chips.map((c) => c.base));
    expect(findHeaderChip(fs.root).base).toBe(sysfs - 17);
    const c = createGpioContactor({ type: "gpio", pin: 17, activeLow: false }, { clock: new ManualClock(), gpioRoot: fs.root });
    await c.start();
    expect(fs.exported).toEqual([sysfs]);
    expect(fs.file(sysfs, "direction")).toBe("low");
    c.set(true);
    expect(fs.value(sysfs)).toBe("1");
    expect(c.commanded).toBe(true);
    expect(c.hasFeedback).toBe(false);
    expect(c.feedback()).toBeUndefined();
    c.set(false);
    expect(fs.value(sysfs)).toBe("0");
    await c.stop();
    await until(() => !fs.isExported(sysfs), "unexport");
    expect(fs.unexported).toEqual([sysfs]);
  });

  it("active-low output starts open (high) and closes low", async () => {
    fs = new FakeSysfs(PI4);
    const c = createGpioContactor({ type: "gpio", pin: 22, activeLow: true }, { clock: new ManualClock(), gpioRoot: fs.root });
    await c.start();
    expect(fs.file(534, "direction")).toBe("high");
    c.set(true);
    expect(fs.value(534)).toBe("0");
    await c.stop();
  });

  it("feedback input: edges debounced with the injected clock, active-low applied", async () => {
    fs = new FakeSysfs(PI5);
    const clock = new ManualClock();
    const c = createGpioContactor(
      { type: "gpio", pin: 17, activeLow: false, feedback: { pin: 27, activeLow: true, debounceMs: 20 } },
      { clock, gpioRoot: fs.root },
    );
    await c.start();
    const fb = 571 + 27;
    expect(fs.file(fb, "edge")).toBe("both");
    expect(c.hasFeedback).toBe(true);
    expect(c.feedback()).toBe(true);
    const opened: boolean[] = [];
    const off = c.onFeedback((v) => opened.push(v));
    fs.setLevel(fb, 1);
    await until(() => clock.timerCount > 0, "edge seen");
    clock.advance(20);
    expect(opened).toEqual([false]);
    off();
    const seen: boolean[] = [];
    c.onFeedback((v) => seen.push(v));
    fs.setLevel(fb, 0);
    await until(() => clock.timerCount > 0, "edge seen");
    clock.advance(19);
    expect(seen).toEqual([]);
    clock.advance(1);
    expect(seen).toEqual([true]);
    expect(c.feedback()).toBe(true);
    fs.setLevel(fb, 1);
    await until(() => clock.timerCount > 0, "bounce seen");
    fs.setLevel(fb, 0);
    clock.advance(50);
    expect(seen).toEqual([true]);
    await c.stop();
  });

  it("generic input reports debounced changes", async () => {
    fs = new FakeSysfs(PI4);
    const clock = new ManualClock();
    const input = createGpioInput({ pin: 5, debounceMs: 10 }, { clock, gpioRoot: fs.root });
    await input.start();
    expect(input.value()).toBe(false);
    const seen: boolean[] = [];
    input.on((v) => seen.push(v));
    fs.setLevel(517, 1);
    await until(() => clock.timerCount > 0, "edge");
    clock.advance(10);
    expect(seen).toEqual([true]);
    await input.stop();
    await until(() => !fs.isExported(517), "unexport");
  });

  it("errors say what is wrong and what fixes it", async () => {
    const clock = new ManualClock();
    const missing = createGpioContactor({ type: "gpio", pin: 17, activeLow: false }, { clock, gpioRoot: "/nonexistent/gpio" });
    await expect(missing.start()).rejects.toThrow(/does not exist — not a Raspberry Pi/);

    fs = new FakeSysfs([{ base: 0, ngpio: 16, label: "some-other-chip" }]);
    const other = createGpioContactor({ type: "gpio", pin: 17, activeLow: false }, { clock, gpioRoot: fs.root });
    await expect(other.start()).rejects.toThrow(/no Raspberry Pi GPIO chip .*'some-other-chip' base 0/);
    fs.remove();

    fs = new FakeSysfs(PI4);
    const tooHigh = createGpioContactor({ type: "gpio", pin: 60, activeLow: false }, { clock, gpioRoot: fs.root });
    await expect(tooHigh.start()).rejects.toThrow(GpioAccessError);

    if (process.getuid?.() !== 0) {
      chmodSync(join(fs.root, "export"), 0o444);
      const denied = createGpioContactor({ type: "gpio", pin: 17, activeLow: false }, { clock, gpioRoot: fs.root });
      await expect(denied.start()).rejects.toThrow(/not writable .* 'gpio' group .*99-evsed\.rules/);
    }
  });
});
