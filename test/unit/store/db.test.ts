import { existsSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openDb } from "../../../src/store/db.js";
import { MIGRATIONS } from "../../../src/store/migrations.js";
import { Outbox } from "../../../src/store/outbox.js";
import { tempDir } from "../../helpers/cli.js";

describe("openDb", () => {
  it("creates the file with WAL and every migration applied", () => {
    const path = join(tempDir(), "sub", "evsed.db");
    const { db, movedAside } = openDb(path);
    expect(movedAside).toBeUndefined();
    expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
    expect(db.pragma("foreign_keys", { simple: true })).toBe(1);
    expect(db.pragma("user_version", { simple: true })).toBe(MIGRATIONS.length);
    db.close();
  });

  it("moves a corrupt file aside, never overwriting it, and starts a fresh one", () => {
    const dir = tempDir();
    const path = join(dir, "evsed.db");
    writeFileSync(path, "this is not a database, but somebody's data".repeat(100));
    const { db, movedAside } = openDb(path, () => Date.UTC(2026, 10, 22, 10, 0, 0));
    expect(movedAside).toBeDefined();
    expect(existsSync(movedAside as string)).toBe(true);
    expect(readdirSync(dir).some((f) => f.startsWith("evsed.db.corrupt-2026-11-22T10-00-00"))).toBe(true);
    expect(db.pragma("quick_check", { simple: true })).toBe("ok");
    db.close();
  });

  it("refuses a database from a newer evsed", () => {
    const path = join(tempDir(), "evsed.db");
    const first = openDb(path).db;
    first.pragma(`user_version = ${MIGRATIONS.length + 1}`);
    first.close();
    expect(() => openDb(path)).toThrow(/newer than this evsed/);
  });

  it("reopens an existing database without re-running migrations", () => {
    const path = join(tempDir(), "evsed.db");
    const a = openDb(path).db;
    a.prepare("INSERT INTO meta (key, value) VALUES ('k', 'v')").run();
    a.close();
    const b = openDb(path).db;
    expect(b.prepare("SELECT value FROM meta WHERE key = 'k'").get()).toEqual({ value: "v" });
    b.close();
  });
});

describe("Outbox", () => {
  it("numbers records from 1 and puts the sequence number into the payload", () => {
    const { db } = openDb(":memory:");
    const outbox = new Outbox(db);
    const seqs = [1, 2, 3].map((i) => db.transaction(() => outbox.append("event", "2026-11-22T10:00:00Z", (seq) => ({ seq, i })))());
    expect(seqs).toEqual([1, 2, 3]);
    expect(outbox.peek(0, 10).map((r) => JSON.parse(r.payload))).toEqual([
      { seq: 1, i: 1 },
      { seq: 2, i: 2 },
      { seq: 3, i: 3 },
    ]);
  });

  it("never reuses a sequence number, even after every row was acknowledged and the file reopened", () => {
    const path = join(tempDir(), "evsed.db");
    const a = openDb(path).db;
    const outbox = new Outbox(a);
    for (let i = 0; i < 5; i++) outbox.append("event", "t", (seq) => ({ seq }));
    for (const r of outbox.peek(0, 10)) outbox.acknowledge(r.seq);
    expect(outbox.size()).toBe(0);
    a.close();
    const b = openDb(path).db;
    expect(new Outbox(b).append("event", "t", (seq) => ({ seq }))).toBe(6);
    b.close();
  });

  it("rolls a record back with the transaction that failed", () => {
    const { db } = openDb(":memory:");
    const outbox = new Outbox(db);
    expect(() =>
      db.transaction(() => {
        outbox.append("event", "t", (seq) => ({ seq }));
        throw new Error("the state change failed");
      })(),
    ).toThrow();
    expect(outbox.size()).toBe(0);
    expect(outbox.append("event", "t", (seq) => ({ seq }))).toBe(1);
  });
});
