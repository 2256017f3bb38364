import { statfs } from "node:fs/promises";
import type { Clock } from "../../../drivers/types.js";
import type { Logger } from "../../app/log.js";
import { Ticker } from "./ticker.js";

/** Free bytes available to evsed on the file system holding `path`. */
export async function freeBytes(path: string): Promise<number> {
  const s = await statfs(path);
  return s.bavail * s.bsize;
}

/**
 * Watches free space under the data directory every `checkS`. Crossing below `thresholdBytes` calls
 * `onLow(true, free)` once; climbing back above 1.25 × the threshold calls `onLow(false, free)` once
 * (hysteresis, so a file system at the edge does not flap). The first check runs at `start()`.
 */
export class DiskWatch {
  private low = false;
  private readonly ticker: Ticker;

  constructor(
    private readonly deps: {
      path: string;
      thresholdBytes: number;
      checkS: number;
      clock: Clock;
      log: Logger;
      onLow(low: boolean, free: number): void;
      probe?: (path: string) => Promise<number>;
    },
  ) {
    this.ticker = new Ticker(deps.clock, deps.checkS * 1000, () => void this.check());
  }

  start(): Promise<void> {
    this.ticker.start();
    return this.check();
  }

  stop(): void {
    this.ticker.stop();
  }

  isLow(): boolean {
    return this.low;
  }

  async check(): Promise<void> {
    const { path, thresholdBytes, log } = this.deps;
    let free: number;
    try {
      free = await (this.deps.probe ?? freeBytes)(path);
    } catch (err) {
      log.warn({ path, err: err instanceof Error ? err.message : String(err) }, "uplink: cannot check free disk space");
      return;
    }
    const nowLow = this.low ? free < thresholdBytes * 1.25 : free < thresholdBytes;
    if (nowLow === this.low) return;
    this.low = nowLow;
    this.deps.onLow(nowLow, free);
  }
}
