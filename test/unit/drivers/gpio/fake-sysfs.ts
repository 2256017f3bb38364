import { existsSync, type FSWatcher, mkdirSync, mkdtempSync, readFileSync, rmSync, watch, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * A temporary directory laid out like /sys/class/gpio, with a tiny "kernel" that answers writes
 * to `export` / `unexport` by creating / removing `gpioN/` (only for numbers inside a chip, as the
 * kernel does). Value files hold physical levels.
 */
export class FakeSysfs {
  readonly root = mkdtempSync(join(tmpdir(), "evsed-gpio-"));
  readonly exported: number[] = [];
  readonly unexported: number[] = [];
  private watcher: FSWatcher | undefined;

  constructor(private readonly chips: { base: number; ngpio: number; label: string }[]) {
    for (const c of chips) {
      const dir = join(this.root, `gpiochip${c.base}`);
      mkdirSync(dir);
      writeFileSync(join(dir, "base"), `${c.base}\n`);
      writeFileSync(join(dir, "ngpio"), `${c.ngpio}\n`);
      writeFileSync(join(dir, "label"), `${c.label}\n`);
    }
    writeFileSync(join(this.root, "export"), "");
    writeFileSync(join(this.root, "unexport"), "");
    this.watcher = watch(this.root, (_event, file) => {
      if (file === "export") this.onExport();
      if (file === "unexport") this.onUnexport();
    });
  }

  value(n: number): string {
    return readFileSync(join(this.root, `gpio${n}`, "value"), "utf8").trim();
  }

  file(n: number, name: string): string {
    return readFileSync(join(this.root, `gpio${n}`, name), "utf8").trim();
  }

  /** Drive an input from outside (an auxiliary contact closing). */
  setLevel(n: number, level: 0 | 1): void {
    writeFileSync(join(this.root, `gpio${n}`, "value"), `${level}\n`);
  }

  isExported(n: number): boolean {
    return existsSync(join(this.root, `gpio${n}`));
  }

  remove(): void {
    this.watcher?.close();
    rmSync(this.root, { recursive: true, force: true });
  }

  private onExport(): void {
    const n = Number.parseInt(readFileSync(join(this.root, "export"), "utf8"), 10);
    if (!this.chips.some((c) => n >= c.base && n < c.base + c.ngpio) || this.isExported(n)) return;
    const dir = join(this.root, `gpio${n}`);
    mkdirSync(dir);
    for (const [f, v] of [
      ["direction", "in"],
      ["edge", "none"],
      ["active_low", "0"],
    ])
      writeFileSync(join(dir, f as string), `${v}\n`);
    writeFileSync(join(dir, "value"), "0\n");
    this.exported.push(n);
  }

  private onUnexport(): void {
    const n = Number.parseInt(readFileSync(join(this.root, "unexport"), "utf8"), 10);
    if (!this.isExported(n)) return;
    rmSync(join(this.root, `gpio${n}`), { recursive: true, force: true });
    this.unexported.push(n);
  }
}
