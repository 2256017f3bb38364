import { accessSync, constants, existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** A GPIO controller as sysfs lists it. */
export interface GpioChip {
  readonly name: string;
  readonly base: number;
  readonly ngpio: number;
  readonly label: string;
}

/** GPIO is unusable: what is wrong and what fixes it. */
export class GpioAccessError extends Error {
  constructor(
    readonly problem: string,
    readonly hint: string,
  ) {
    super(`${problem} — ${hint}`);
    this.name = "GpioAccessError";
  }
}

/** Labels of the chip that carries the 40-pin header, most specific first (Pi 5, Pi 4, Pi ≤ 3). */
const HEADER_CHIPS = [/^pinctrl-rp1$/, /^pinctrl-bcm2712$/, /^pinctrl-bcm2711$/, /^pinctrl-bcm2835$/];

const GROUP_HINT = "add the service user to the 'gpio' group (sudo usermod -aG gpio evsed) and install scripts/udev/99-evsed.rules";

/** Every gpiochip under `root` with its base, size and label, read at runtime (never hard-coded). */
export function listChips(root: string): GpioChip[] {
  return readdirSync(root)
    .filter((n) => /^gpiochip\d+$/.test(n))
    .map((name) => {
      const read = (f: string) => readFileSync(join(root, name, f), "utf8").trim();
      return { name, base: Number.parseInt(read("base"), 10), ngpio: Number.parseInt(read("ngpio"), 10), label: read("label") };
    })
    .filter((c) => Number.isInteger(c.base) && Number.isInteger(c.ngpio))
    .sort((a, b) => a.base - b.base);
}

/**
 * The header's chip under `root`, after checking that GPIO is there and writable. Throws
 * GpioAccessError naming the problem and the fix.
 */
export function findHeaderChip(root: string): GpioChip {
  if (!existsSync(root)) {
    throw new GpioAccessError(
      `${root} does not exist`,
      "not a Raspberry Pi, or a kernel without CONFIG_GPIO_SYSFS; check devices.gpioRoot",
    );
  }
  try {
    accessSync(join(root, "export"), constants.W_OK);
  } catch {
    throw new GpioAccessError(`${join(root, "export")} is not writable by this user`, GROUP_HINT);
  }
  const chips = listChips(root);
  for (const label of HEADER_CHIPS) {
    const chip = chips.find((c) => label.test(c.label));
    if (chip) return chip;
  }
  throw new GpioAccessError(
    `no Raspberry Pi GPIO chip under ${root} (found: ${chips.map((c) => `${c.name} '${c.label}' base ${c.base}`).join(", ") || "none"})`,
    "evsed drives the 40-pin header of a Raspberry Pi (pinctrl-bcm2835/2711/2712/rp1)",
  );
}

/** The sysfs number of BCM pin `bcm` on `chip`: base + offset. */
export function sysfsNumber(chip: GpioChip, bcm: number): number {
  if (!Number.isInteger(bcm) || bcm < 0 || bcm >= chip.ngpio)
    throw new GpioAccessError(
      `BCM ${bcm} is not a pin of ${chip.label} (0–${chip.ngpio - 1})`,
      "check the board file's pin numbers (BCM numbering)",
    );
  return chip.base + bcm;
}

/** What fixes a permission problem on GPIO files. */
export function accessHint(): string {
  return GROUP_HINT;
}
