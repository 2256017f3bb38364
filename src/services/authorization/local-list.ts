import { checkEntries, checkUpdate, type ListEntry, type ListUpdateInput } from "../../core/authorization-list.js";
import type { AuthRepo, KeyedEntry } from "../../store/auth-repo.js";
import type { Db } from "../../store/db.js";
import { runChunked } from "./chunked.js";
import type { IdKeys } from "./keys.js";

/** An update the station did not apply; nothing changed. `status` is the OCPP SendLocalList status. */
export class LocalListError extends Error {
  constructor(
    readonly source: string,
    readonly status: "VersionMismatch" | "Failed",
    readonly path: string,
    readonly problem: string,
    readonly installedVersion: number,
  ) {
    super(`${source}: ${path}: ${problem}`);
    this.name = "LocalListError";
  }
}

export interface ApplyResult {
  /** Accepted: installed. PartStaged: more parts expected. */
  readonly status: "Accepted" | "PartStaged";
  readonly listVersion: number;
  readonly entries: number;
}

/** Rows per commit: small, so a fault waits at most one short step for the event loop. */
const ROWS_PER_COMMIT = 50;
/** Rows deleted per step when clearing a slot. */
const CLEAR_ROWS = 500;
/** WAL pages between checkpoints during a bulk update: many small checkpoints instead of one long one. */
const BULK_CHECKPOINT_PAGES = 64;

/**
 * The local authorization list with OCPP 1.6 SendLocalList semantics (see core/authorization-list.ts),
 * stored as keyed hashes. Updates are serialized; long ones run in small commits and give the event
 * loop back every `budgetMs` (default 1 ms), so installing 100,000 entries never blocks a turn for long.
 */
export class LocalList {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly deps: {
      readonly db: Db;
      readonly repo: AuthRepo;
      readonly keys: IdKeys;
      readonly budgetMs?: number;
      /** Wraps each install: the store's way of taking a bulk write (`Checkpointer.inline`). */
      readonly bulkWrite?: <T>(fn: () => Promise<T>) => Promise<T>;
    },
  ) {}

  version(): number {
    return this.deps.repo.version();
  }

  size(): number {
    return this.deps.repo.size();
  }

  /**
   * Apply one part of an update. Rejects with LocalListError when it does not fit: the installed list is
   * unchanged, and a bad part abandons the update being staged (the backend starts again at part 1).
   */
  apply(update: ListUpdateInput, source: string): Promise<ApplyResult> {
    const bulk = this.deps.bulkWrite ?? ((fn) => fn());
    const run = this.queue.then(() => bulk(() => this.applyNow(update, source)));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Finish a Differential whose parts were all staged before a restart. */
  resume(): Promise<void> {
    const run = this.queue.then(async () => {
      const st = this.deps.repo.staging();
      if (st && st.type === "Differential" && st.partsReceived === st.partsTotal) await this.finishDifferential(st.version);
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  private budget(): number {
    return this.deps.budgetMs ?? 1;
  }

  /**
   * Runs the update with a short WAL auto-checkpoint interval (the connection's setting is restored
   * afterwards), so no single commit has to copy megabytes back into the database file.
   */
  private async applyNow(u: ListUpdateInput, source: string): Promise<ApplyResult> {
    const { db } = this.deps;
    const before = db.pragma("wal_autocheckpoint", { simple: true }) as number;
    db.pragma(`wal_autocheckpoint = ${BULK_CHECKPOINT_PAGES}`);
    try {
      return await this.applyChecked(u, source);
    } finally {
      db.pragma(`wal_autocheckpoint = ${before}`);
    }
  }

  private async applyChecked(u: ListUpdateInput, source: string): Promise<ApplyResult> {
    const { repo, db } = this.deps;
    const check = checkUpdate(repo.version(), repo.staging(), u);
    if (!check.ok) throw new LocalListError(source, check.status, check.path, check.problem, repo.version());
    if (check.startsStaging) {
      repo.dropStaging();
      if (u.updateType === "Full") await runChunked(() => repo.clearInactive(CLEAR_ROWS) > 0, this.budget());
    }
    // Checked and staged slice by slice, so little stays alive for the garbage collector to copy.
    const seen = new Set<string>();
    let i = 0;
    let failure: LocalListError | null = null;
    await runChunked(() => {
      const r = checkEntries(u.entries.slice(i, i + ROWS_PER_COMMIT), u.updateType, i, seen);
      if (!r.ok) {
        failure = new LocalListError(source, r.status, r.path, r.problem, repo.version());
        return false;
      }
      const chunk = r.entries.map((e) => this.keyed(e));
      db.transaction(() => {
        if (u.updateType === "Full") repo.stageFull(chunk);
        else repo.stageDifferential(chunk);
      }).immediate();
      i += ROWS_PER_COMMIT;
      return i < u.entries.length;
    }, this.budget());
    if (failure) {
      repo.dropStaging();
      throw failure;
    }
    repo.setStaging(u.listVersion, u.updateType, u.part.index, u.part.count);
    if (!check.last) return { status: "PartStaged", listVersion: repo.version(), entries: repo.size() };
    if (u.updateType === "Full") {
      repo.activateFull(u.listVersion);
      await runChunked(() => repo.clearInactive(CLEAR_ROWS) > 0, this.budget());
    } else {
      await this.finishDifferential(u.listVersion);
    }
    return { status: "Accepted", listVersion: repo.version(), entries: repo.size() };
  }

  private async finishDifferential(version: number): Promise<void> {
    const { repo } = this.deps;
    await runChunked(() => repo.applyDifferential(ROWS_PER_COMMIT) > 0, this.budget());
    repo.finishDifferential(version);
  }

  private keyed(e: ListEntry): KeyedEntry {
    const { keys } = this.deps;
    return {
      key: keys.key(e.idTag),
      info: e.info
        ? { status: e.info.status, expiryMs: e.info.expiryMs, parent: e.info.parentIdTag === null ? null : keys.key(e.info.parentIdTag) }
        : null,
    };
  }
}
