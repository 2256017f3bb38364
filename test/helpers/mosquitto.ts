import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createConnection, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Where the Debian package installs the broker; `MOSQUITTO` overrides. */
export const MOSQUITTO_BIN = process.env.MOSQUITTO ?? "/usr/sbin/mosquitto";

/**
 * Whether Mosquitto tests can run. Under `CI=true` a missing binary throws (the test file fails)
 * instead of skipping: CI must never pass by skipping.
 */
export function mosquittoAvailable(): boolean {
  if (existsSync(MOSQUITTO_BIN)) return true;
  if (process.env.CI === "true") throw new Error(`${MOSQUITTO_BIN} is missing; install the mosquitto package`);
  return false;
}

/** A free TCP port on 127.0.0.1 (bound and released; the broker binds it right after). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export interface MosquittoOptions {
  /** Extra lines for the listener's section (TLS, ACL…); paths are the caller's. */
  readonly listener?: readonly string[];
  /** Extra global lines. */
  readonly global?: readonly string[];
  /** Keep sessions and queued messages across restarts (default true). */
  readonly persistence?: boolean;
  /** Anonymous clients allowed (default true unless `listener` sets TLS identity). */
  readonly allowAnonymous?: boolean;
}

/**
 * A real Mosquitto on a free loopback port with its own config, persistence and log in a temp dir.
 * `stop()` ends it with SIGTERM (it saves its persistence file); `start()` brings it back on the
 * same port with the same config and saved sessions. `dispose()` stops it and removes the dir.
 */
export class Mosquitto {
  private child: ChildProcess | null = null;

  private constructor(
    readonly dir: string,
    readonly port: number,
    private readonly confPath: string,
  ) {}

  static async create(opts: MosquittoOptions = {}): Promise<Mosquitto> {
    const dir = mkdtempSync(join(tmpdir(), "evsed-mosquitto-"));
    const port = await freePort();
    const conf = [
      "per_listener_settings false",
      `allow_anonymous ${opts.allowAnonymous ?? true}`,
      `persistence ${opts.persistence ?? true}`,
      `persistence_location ${dir}/`,
      "autosave_interval 0",
      "max_queued_messages 200000",
      "max_inflight_messages 0",
      `log_dest file ${join(dir, "mosquitto.log")}`,
      "log_type error",
      "log_type warning",
      "log_type notice",
      "user root",
      ...(opts.global ?? []),
      `listener ${port} 127.0.0.1`,
      ...(opts.listener ?? []),
      "",
    ].join("\n");
    const confPath = join(dir, "mosquitto.conf");
    writeFileSync(confPath, conf);
    const m = new Mosquitto(dir, port, confPath);
    await m.start();
    return m;
  }

  get url(): string {
    return `mqtt://127.0.0.1:${this.port}`;
  }

  log(): string {
    const p = join(this.dir, "mosquitto.log");
    return existsSync(p) ? readFileSync(p, "utf8") : "";
  }

  async start(): Promise<void> {
    if (this.child) return;
    const child = spawn(MOSQUITTO_BIN, ["-c", this.confPath], { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr?.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    this.child = child;
    const exited = new Promise<never>((_, reject) =>
      child.once("exit", (code) => reject(new Error(`mosquitto exited (${code}): ${stderr}${this.log()}`))),
    );
    await Promise.race([waitForPort(this.port, 20_000), exited]);
  }

  async stop(signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.child = null;
    if (child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once("exit", () => resolve());
      child.kill(signal);
    });
  }

  /** Freeze the broker (SIGSTOP): connections stay open, nothing is answered. `thaw` resumes it. */
  freeze(): void {
    this.child?.kill("SIGSTOP");
  }

  thaw(): void {
    this.child?.kill("SIGCONT");
  }

  async dispose(): Promise<void> {
    this.thaw();
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Resolves once something accepts TCP connections on 127.0.0.1:port. */
export async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let delay = 20; ; delay = Math.min(delay * 2, 250)) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = createConnection({ host: "127.0.0.1", port }, () => {
        s.destroy();
        resolve(true);
      });
      s.once("error", () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, delay));
  }
}
