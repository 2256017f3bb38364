import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

/** The compiled CLI (`npm test` builds first). */
export const EVSED_BIN = resolve(import.meta.dirname, "../../bin/evsed.js");

export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** A fresh temporary working directory. */
export function tempDir(prefix = "evsed-test-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** The environment for a child evsed: no inherited EVSED_* settings, JSON logs. */
export function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("EVSED_")) env[k] = v;
  return { ...env, ...extra };
}

/** Run `evsed args…` to completion. */
export function runCli(args: string[], opts: { cwd: string; env?: Record<string, string>; timeoutMs?: number }): Promise<CliResult> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [EVSED_BIN, ...args], {
      cwd: opts.cwd,
      env: childEnv(opts.env),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (b: Buffer) => {
      stdout += b.toString();
    });
    child.stderr.on("data", (b: Buffer) => {
      stderr += b.toString();
    });
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      fail(new Error(`evsed ${args.join(" ")} did not finish in ${opts.timeoutMs ?? 30_000} ms\n${stderr}`));
    }, opts.timeoutMs ?? 30_000);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      done({ code, signal, stdout, stderr });
    });
  });
}

/** A running evsed whose JSON log lines can be awaited. */
export class EvsedProcess {
  readonly child: ChildProcess;
  private lines: Record<string, unknown>[] = [];
  private waiters: { match: (l: Record<string, unknown>) => boolean; resolve: (l: Record<string, unknown>) => void }[] = [];
  stderr = "";
  private readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(args: string[], opts: { cwd: string; env?: Record<string, string> }) {
    this.child = spawn(process.execPath, [EVSED_BIN, "--log-format", "json", ...args], {
      cwd: opts.cwd,
      env: childEnv(opts.env),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let buf = "";
    this.child.stderr?.on("data", (b: Buffer) => {
      this.stderr += b.toString();
      buf += b.toString();
      let nl = buf.indexOf("\n");
      while (nl >= 0) {
        const text = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        nl = buf.indexOf("\n");
        try {
          const line = JSON.parse(text) as Record<string, unknown>;
          this.lines.push(line);
          this.waiters = this.waiters.filter((w) => {
            if (!w.match(line)) return true;
            w.resolve(line);
            return false;
          });
        } catch {
          // not a log line
        }
      }
    });
    this.child.stdout?.resume();
    this.exited = new Promise((done) => this.child.on("exit", (code, signal) => done({ code, signal })));
  }

  /** Resolves with the first log line (past or future) for which `match` holds. */
  waitFor(match: (l: Record<string, unknown>) => boolean, timeoutMs = 30_000, what = "log line"): Promise<Record<string, unknown>> {
    const seen = this.lines.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}\n${this.stderr.slice(-4000)}`)), timeoutMs);
      this.waiters.push({
        match,
        resolve: (l) => {
          clearTimeout(timer);
          resolve(l);
        },
      });
    });
  }

  /** Wait for a log message; `after` counts only lines logged after that many lines. */
  waitForMsg(msg: string, timeoutMs?: number, after = 0): Promise<Record<string, unknown>> {
    const start = after;
    return this.waitFor((l) => l.msg === msg && this.lines.indexOf(l) >= start, timeoutMs, `"${msg}"`);
  }

  get lineCount(): number {
    return this.lines.length;
  }

  kill(signal: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    this.child.kill(signal);
    return this.exited;
  }

  exit(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    return this.exited;
  }
}
