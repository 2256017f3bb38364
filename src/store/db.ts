import { existsSync, mkdirSync, renameSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import { MIGRATIONS } from "./migrations.js";

export type Db = Database.Database;

export interface OpenResult {
  db: Db;
  /** Set when the existing file failed `quick_check` and was moved aside. */
  movedAside?: string;
}

export class StoreError extends Error {
  override name = "StoreError";
}

/**
 * Opens (creating if needed) the station database: WAL, foreign keys, `synchronous=NORMAL` for the
 * batched writes (closing commits switch to FULL, see `durably`), `quick_check` at boot, migrations by
 * `user_version`. A file that fails the check is renamed aside — never overwritten — and a fresh one
 * is created; the caller records that as an event.
 */
export function openDb(path: string, now: () => number = Date.now): OpenResult {
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
  let movedAside: string | undefined;
  if (path !== ":memory:" && existsSync(path) && !passesQuickCheck(path)) {
    movedAside = `${path}.corrupt-${new Date(now()).toISOString().replace(/[:.]/g, "-")}`;
    renameSync(path, movedAside);
    for (const side of ["-wal", "-shm"]) if (existsSync(path + side)) renameSync(path + side, movedAside + side);
  }
  const db = new Database(path);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  db.pragma("foreign_keys = ON");
  db.pragma("busy_timeout = 2000");
  migrate(db);
  return movedAside ? { db, movedAside } : { db };
}

function passesQuickCheck(path: string): boolean {
  try {
    const probe = new Database(path, { fileMustExist: true });
    try {
      const rows = probe.pragma("quick_check") as { quick_check: string }[];
      return rows.length === 1 && rows[0]?.quick_check === "ok";
    } finally {
      probe.close();
    }
  } catch {
    return false;
  }
}

export function migrate(db: Db): void {
  const current = db.pragma("user_version", { simple: true }) as number;
  if (current > MIGRATIONS.length) {
    throw new StoreError(`database schema version ${current} is newer than this evsed (${MIGRATIONS.length}); refusing to touch it`);
  }
  for (let v = current; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v] as string);
      db.pragma(`user_version = ${v + 1}`);
    }).immediate();
  }
}

/**
 * Run `fn` in one transaction that is durable across power loss when it returns: used for the commits
 * that open or close a session or an interval. Everything else stays on `synchronous=NORMAL` so the
 * SD card is not worn out by fsyncs.
 */
export function durably<T>(db: Db, fn: () => T): T {
  db.pragma("synchronous = FULL");
  try {
    return db.transaction(fn).immediate();
  } finally {
    db.pragma("synchronous = NORMAL");
  }
}
