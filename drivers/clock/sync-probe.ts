import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { performance } from "node:perf_hooks";

/** Where systemd-timesyncd records that the wall clock has been synchronized. */
export const TIMESYNC_FLAG = "/run/systemd/timesync/synchronized";

/** The sources `clock.sync` can name. */
export type SyncSource = "timesyncd" | "timedatectl" | "always";

/** Runs `timedatectl show -p NTPSynchronized --value`; resolves with its output. */
export type TimedatectlRunner = () => Promise<string>;

const runTimedatectl: TimedatectlRunner = () =>
  new Promise((resolve, reject) => {
    execFile("timedatectl", ["show", "-p", "NTPSynchronized", "--value"], { timeout: 5000 }, (err, stdout) =>
      err ? reject(err) : resolve(stdout),
    );
  });

/**
 * A synchronous "is the clock synchronized?" answer from `timedatectl`, which asks the kernel's NTP state
 * (adjtimex) and so works with any NTP daemon. The answer is cached: a call starts a new query in the
 * background when the last one is `everyMs` old, and returns the last answer (false until the first, and
 * when timedatectl fails). Never blocks, never throws.
 */
export function timedatectlProbe(run: TimedatectlRunner = runTimedatectl, now = () => performance.now(), everyMs = 30_000): () => boolean {
  let synced = false;
  let lastMs = Number.NEGATIVE_INFINITY;
  let busy = false;
  return () => {
    const t = now();
    if (!busy && t - lastMs >= everyMs) {
      busy = true;
      lastMs = t;
      run()
        .then(
          (out) => {
            synced = out.trim() === "yes";
          },
          () => {
            synced = false;
          },
        )
        .finally(() => {
          busy = false;
        });
    }
    return synced;
  };
}

/** The probe `SystemClock` uses for `source`. */
export function syncProbe(source: SyncSource, run?: TimedatectlRunner): () => boolean {
  if (source === "always") return () => true;
  if (source === "timedatectl") return timedatectlProbe(run);
  return () => existsSync(TIMESYNC_FLAG);
}

/** Ask `source` once and wait for the answer (for `evsed doctor`). */
export async function syncedNow(source: SyncSource, run: TimedatectlRunner = runTimedatectl): Promise<boolean> {
  if (source === "timedatectl")
    return run().then(
      (out) => out.trim() === "yes",
      () => false,
    );
  return syncProbe(source)();
}
