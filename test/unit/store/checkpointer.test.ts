import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { Checkpointer } from "../../../src/store/checkpointer.js";
import { type Db, openDb } from "../../../src/store/db.js";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function fileDb(): { db: Db; path: string } {
  const dir = mkdtempSync(join(tmpdir(), "evsed-ckpt-"));
  dirs.push(dir);
  const path = join(dir, "evsed.db");
  const { db } = openDb(path);
  db.exec("CREATE TABLE t (x TEXT)");
  return { db, path };
}

function write(db: Db, rows: number): void {
  const ins = db.prepare("INSERT INTO t VALUES (?)");
  db.transaction(() => {
    for (let i = 0; i < rows; i++) ins.run("x".repeat(500));
  })();
}

describe("Checkpointer", () => {
  it("takes checkpoints off the connection: the WAL grows past 1,000 pages and the worker copies it into the file", async () => {
    const { db, path } = fileDb();
    const ckpt = Checkpointer.start(db, path, { intervalMs: 3_600_000, onFailure: (err) => expect.fail(err.message) });
    expect(db.pragma("wal_autocheckpoint", { simple: true })).toBe(0);
    write(db, 20_000);
    // With the automatic checkpoint off, nothing has been copied yet: the WAL holds every page.
    expect(statSync(`${path}-wal`).size).toBeGreaterThan(1000 * 4096);
    const r = await ckpt?.now();
    expect(r?.walFrames).toBeGreaterThan(1000);
    expect(r?.checkpointed).toBe(r?.walFrames);
    expect((db.prepare("SELECT count(*) AS n FROM t").get() as { n: number }).n).toBe(20_000);
    await ckpt?.stop();
    expect(db.pragma("wal_autocheckpoint", { simple: true })).toBe(1000);
    db.close();
  });

  it("runs a bulk write with SQLite's checkpoints in line, and takes them back to the worker afterwards", async () => {
    const { db, path } = fileDb();
    const ckpt = Checkpointer.start(db, path, { onFailure: (err) => expect.fail(err.message) });
    const during = await ckpt?.inline(async () => {
      write(db, 20_000);
      return db.pragma("wal_autocheckpoint", { simple: true });
    });
    expect(during).toBe(1000);
    // In line, SQLite checkpointed as the WAL passed 1,000 pages: the file already holds most rows.
    expect(statSync(path).size).toBeGreaterThan(1000 * 4096);
    expect(db.pragma("wal_autocheckpoint", { simple: true })).toBe(0);
    await ckpt?.stop();
    db.close();
  });

  it("needs no worker for an in-memory database", () => {
    const { db } = openDb(":memory:");
    expect(Checkpointer.start(db, ":memory:", { onFailure: () => {} })).toBeNull();
  });

  it("a worker that cannot open the file reports the failure and gives the connection its automatic checkpoint back", async () => {
    const { db, path } = fileDb();
    const failed = new Promise<Error>((resolve) => {
      Checkpointer.start(db, `${path}.missing`, { onFailure: resolve });
    });
    expect((await failed).message).toMatch(/WAL checkpoint worker/);
    expect(db.pragma("wal_autocheckpoint", { simple: true })).toBe(1000);
    db.close();
  });
});
