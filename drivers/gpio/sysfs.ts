import { existsSync, type FSWatcher, readFileSync, watch, writeFileSync } from "node:fs";
import { join } from "node:path";
import { accessHint, GpioAccessError } from "./chip.js";
import type { GpioLine, GpioPort, Level } from "./port.js";

/** How long an export may take to appear (udev fixes permissions after the kernel creates it). */
const EXPORT_WAIT_MS = 2000;

/**
 * GPIO through plain file I/O on a sysfs-like tree (`export`, `unexport`, `gpioN/{direction,edge,value}`).
 * Levels are physical (active_low stays 0). Edges are seen through inotify on `value`: right for a
 * temporary tree in tests or a dev board's FUSE mirror; on real sysfs use the onoff port (epoll).
 */
export class SysfsGpioPort implements GpioPort {
  constructor(readonly root: string) {}

  async output(n: number, initial: Level): Promise<GpioLine> {
    const dir = await this.export(n);
    write(join(dir, "active_low"), "0");
    write(join(dir, "direction"), initial ? "high" : "low");
    return this.line(n, dir);
  }

  async input(n: number): Promise<GpioLine> {
    const dir = await this.export(n);
    write(join(dir, "active_low"), "0");
    write(join(dir, "direction"), "in");
    write(join(dir, "edge"), "both");
    return this.line(n, dir);
  }

  private async export(n: number): Promise<string> {
    const dir = join(this.root, `gpio${n}`);
    if (!existsSync(join(dir, "value"))) {
      write(join(this.root, "export"), String(n));
      const until = Date.now() + EXPORT_WAIT_MS;
      while (!existsSync(join(dir, "value"))) {
        if (Date.now() > until)
          throw new GpioAccessError(
            `exporting GPIO ${n} did not create ${dir}`,
            "the number is not on this chip, or udev did not grant access yet",
          );
        await new Promise((r) => setTimeout(r, 10));
      }
    }
    return dir;
  }

  private line(n: number, dir: string): GpioLine {
    const valuePath = join(dir, "value");
    let watcher: FSWatcher | undefined;
    return {
      read: () => (readFileSync(valuePath, "utf8").trim() === "1" ? 1 : 0),
      write: (level) => write(valuePath, String(level)),
      watch: (onEdge) => {
        watcher = watch(valuePath, () => onEdge());
        watcher.on("error", () => {});
      },
      close: () => {
        watcher?.close();
        try {
          writeFileSync(join(this.root, "unexport"), String(n));
        } catch {
          // already gone: nothing to release
        }
      },
    };
  }
}

function write(path: string, text: string): void {
  try {
    writeFileSync(path, text);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "EACCES" || code === "EPERM") throw new GpioAccessError(`cannot write ${path}`, accessHint());
    throw err;
  }
}
