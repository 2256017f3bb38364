import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";
import type { Db } from "./db.js";

/** The worker: its own connection to the same file; PASSIVE checkpoints never wait for or block a writer. */
const WORKER_SOURCE = `
const { workerData, parentPort } = require("node:worker_threads");
const Database = require(workerData.driver);
const db = new Database(workerData.path, { fileMustExist: true });
const checkpoint = () => {
  const [r] = db.pragma("wal_checkpoint(PASSIVE)");
  return { walFrames: r.log, checkpointed: r.checkpointed };
};
const tick = () => {
  try { checkpoint(); } catch (err) { parentPort.postMessage({ error: String(err) }); }
};
let timer = setInterval(tick, workerData.intervalMs);
parentPort.on("message", (m) => {
  if (m === "pause") {
    clearInterval(timer);
  } else if (m === "resume") {
    clearInterval(timer);
    timer = setInterval(tick, workerData.intervalMs);
  } else if (m === "now") {
    try { parentPort.postMessage({ done: checkpoint() }); } catch (err) { parentPort.postMessage({ error: String(err) }); }
  } else if (m === "stop") {
    clearInterval(timer);
    try { checkpoint(); } catch {}
    db.close();
    parentPort.close();
  }
});
`;

export interface CheckpointResult {
  /** Frames in the WAL, and how many of them are now in the database file. */
  readonly walFrames: number;
  readonly checkpointed: number;
}

/**
 * WAL checkpoints off the event loop. With SQLite's automatic checkpoint, the commit that takes the WAL
 * past 1,000 pages copies them into the database file and fsyncs it on the committing thread: 5–8 ms on
 * an SD card or a small VM, during which no pilot event is handled. `start` turns that off on the
 * station's connection and checkpoints from a worker thread with a connection of its own every
 * `intervalMs` (default 200 ms: small, frequent checkpoints; every 1–5 s the WAL grows large enough during
 * a bulk list install that its checkpoint stalls the disk for the event loop too). If the worker fails, the connection's automatic checkpoint comes back (`onFailure`), so
 * the WAL never grows without bound.
 */
export class Checkpointer {
  private readonly worker: Worker;
  private stopped = false;
  private inlineDepth = 0;
  private pending: { resolve: (r: CheckpointResult) => void; reject: (err: Error) => void }[] = [];

  private constructor(
    private readonly db: Db,
    path: string,
    intervalMs: number,
    onFailure: (err: Error) => void,
  ) {
    const driver = createRequire(import.meta.url).resolve("better-sqlite3");
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { driver, path, intervalMs } });
    this.worker.unref();
    const fail = (err: Error) => {
      for (const p of this.pending.splice(0)) p.reject(err);
      if (this.stopped) return;
      this.stopped = true;
      this.restoreAutoCheckpoint();
      onFailure(err);
    };
    this.worker.on("message", (m: { done?: CheckpointResult; error?: string }) => {
      if (m.done) for (const p of this.pending.splice(0)) p.resolve(m.done);
      if (m.error) fail(new Error(`WAL checkpoint worker: ${m.error}`));
    });
    this.worker.on("error", (err: unknown) =>
      fail(new Error(`WAL checkpoint worker: ${err instanceof Error ? err.message : String(err)}`)),
    );
    this.worker.on("exit", (code) => fail(new Error(`WAL checkpoint worker exited (${code})`)));
  }

  /** Start checkpointing `path` (the file `db` has open) from a worker; a `:memory:` database needs none. */
  static start(db: Db, path: string, opts: { intervalMs?: number; onFailure: (err: Error) => void }): Checkpointer | null {
    if (path === ":memory:") return null;
    db.pragma("wal_autocheckpoint = 0");
    return new Checkpointer(db, path, opts.intervalMs ?? 200, opts.onFailure);
  }

  /**
   * Run a bulk write (a local-list install) with SQLite's own checkpoints in line, as without the
   * worker: its many small commits then checkpoint 1,000 pages at a time on the event loop (a few ms
   * each). Measured on 2 cores, the worker copying a fast-growing WAL alongside it cost the event loop
   * more (longest block 29 ms against 19 ms).
   */
  async inline<T>(fn: () => Promise<T>): Promise<T> {
    if (this.inlineDepth++ === 0 && !this.stopped) {
      this.worker.postMessage("pause");
      this.db.pragma("wal_autocheckpoint = 1000");
    }
    try {
      return await fn();
    } finally {
      if (--this.inlineDepth === 0 && !this.stopped) {
        this.db.pragma("wal_autocheckpoint = 0");
        this.worker.postMessage("resume");
      }
    }
  }

  /** How a store with checkpointer `c` (or none) takes a bulk write: `c.inline`, or just the write. */
  static bulkWrite(c: Checkpointer | null): <T>(fn: () => Promise<T>) => Promise<T> {
    return (fn) => (c ? c.inline(fn) : fn());
  }

  /** Checkpoint now and report; rejects once the worker has stopped or failed. */
  now(): Promise<CheckpointResult> {
    if (this.stopped) return Promise.reject(new Error("WAL checkpoint worker stopped"));
    return new Promise((resolve, reject) => {
      this.pending.push({ resolve, reject });
      this.worker.postMessage("now");
    });
  }

  /** A last checkpoint, then the worker ends. Call before closing the connection. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    const exited = new Promise<void>((resolve) => this.worker.once("exit", () => resolve()));
    // Unreferenced while it runs (it must not keep a finished process alive), but waited for here.
    this.worker.ref();
    this.worker.postMessage("stop");
    await exited;
    this.restoreAutoCheckpoint();
  }

  private restoreAutoCheckpoint(): void {
    if (this.db.open) this.db.pragma("wal_autocheckpoint = 1000");
  }
}
