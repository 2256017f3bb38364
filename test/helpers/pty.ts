import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A pair of connected pseudo-terminals made by socat: bytes written to one end come out of the other. */
export interface PtyPair {
  /** The end the driver under test opens. */
  readonly a: string;
  /** The far end: a simulator, or the test writing raw bytes. */
  readonly b: string;
  /** Kill socat: both ends disappear, like an unplugged adapter; the links' directory stays. */
  unplug(): Promise<void>;
  /** Kill socat and remove the links' directory. Never rejects. */
  close(): Promise<void>;
  /** Start socat again on the same link paths (after `unplug`): the same device path comes back. */
  replug(): Promise<PtyPair>;
}

/** True when `socat` can be run. */
export function hasSocat(): boolean {
  return spawnSync("socat", ["-V"], { stdio: "ignore" }).status === 0;
}

/**
 * Why pty tests must skip, or undefined when they can run. Under `CI=true` a missing socat is an
 * error, never a skip: this throws so that the suite fails.
 */
export function ptySkipReason(): string | undefined {
  if (hasSocat()) return undefined;
  const reason = "socat is not installed (apt-get install socat); pseudo-terminal tests need it";
  if (process.env.CI === "true") throw new Error(`${reason} — failing because CI=true`);
  return reason;
}

/** A fresh temporary directory for pty links; removed by the returned cleanup. */
export function ptyDir(): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), "evsed-pty-"));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Start socat with two raw, non-echoing ptys linked at `a` and `b` (defaults inside a new temp dir).
 * Resolves once socat has entered its transfer loop, so both links exist.
 */
export async function openPtyPair(dir: string = mkdtempSync(join(tmpdir(), "evsed-pty-"))): Promise<PtyPair> {
  const a = join(dir, "a");
  const b = join(dir, "b");
  const child = spawn("socat", ["-d", "-d", `pty,raw,echo=0,link=${a}`, `pty,raw,echo=0,link=${b}`], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  await new Promise<void>((resolve, reject) => {
    let log = "";
    let settled = false;
    const settle = (err?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.off("exit", onExit);
      if (err) reject(err);
      else resolve();
    };
    const onExit = (code: number | null) => settle(new Error(`socat exited with ${String(code)}: ${log}`));
    const timer = setTimeout(() => settle(new Error(`socat did not start within 10 s: ${log}`)), 10_000);
    child.once("error", (err) => settle(err));
    child.once("exit", onExit);
    child.stderr?.on("data", (chunk: Buffer) => {
      if (settled) return;
      log += chunk.toString();
      if (log.includes("starting data transfer loop") && existsSync(a) && existsSync(b)) settle();
    });
  });
  return {
    a,
    b,
    unplug: () => stop(child, undefined),
    close: () => stop(child, dir),
    replug: () => openPtyPair(dir),
  };
}

function stop(child: ChildProcess, removeDir: string | undefined): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      if (removeDir) rmSync(removeDir, { recursive: true, force: true });
      resolve();
    };
    if (child.exitCode !== null || child.signalCode !== null) return done();
    child.once("exit", done);
    child.kill("SIGTERM");
  });
}

/**
 * Resolve with the first value `subscribe` delivers that satisfies `match`; reject after `timeoutMs`
 * (a generous bound for real I/O, never an assertion about speed).
 */
export function waitFor<T>(
  subscribe: (listener: (value: T) => void) => () => void,
  match: (value: T) => boolean,
  what: string,
  timeoutMs = 10_000,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`timed out waiting for ${what}`));
    }, timeoutMs);
    const off = subscribe((value) => {
      if (!match(value)) return;
      clearTimeout(timer);
      queueMicrotask(() => off());
      resolve(value);
    });
  });
}
