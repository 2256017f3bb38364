import type { AuthLimits, IdInfo, IdStatus } from "../core/authorization.js";
import type { Staging, UpdateType } from "../core/authorization-list.js";
import type { Db } from "./db.js";

/** A list or cache entry as stored: the keyed hash of the idTag (never the tag), status, expiry, parent hash. */
export interface KeyedEntry {
  readonly key: Buffer;
  /** null: remove (Differential). */
  readonly info: { readonly status: IdStatus; readonly expiryMs: number | null; readonly parent: Buffer | null } | null;
}

interface EntryRow {
  readonly key: Buffer;
  readonly status: IdStatus;
  readonly expiry_ms: number | null;
  readonly parent_key: Buffer | null;
}

interface StateRow {
  readonly version: number;
  readonly slot: number;
  readonly staging_version: number | null;
  readonly staging_type: UpdateType | null;
  readonly staging_parts: number;
  readonly staging_total: number;
}

function info(row: EntryRow): IdInfo {
  return { status: row.status, expiryMs: row.expiry_ms, parent: row.parent_key ? row.parent_key.toString("hex") : null };
}

/**
 * The local authorization list and the authorization cache (tables of migration 4).
 *
 * The list lives in two slots of one table keyed by (slot, key hash): lookups read the active slot by
 * primary key. A Full install fills the other slot part by part and becomes active in one small
 * commit, so a crash or a failed install leaves the installed list untouched. Differential parts are
 * staged in `auth_list_pending` and applied (idempotent upserts and deletes) before the version moves.
 * Every bulk method does at most `limit` rows so callers can yield between calls. Its transactions are
 * IMMEDIATE: `evsed auth import` writes from a second process while the daemon commits, and a deferred
 * transaction that read before the daemon wrote would fail at once with SQLITE_BUSY instead of waiting.
 */
export class AuthRepo {
  private readonly s;

  constructor(private readonly db: Db) {
    this.s = {
      state: db.prepare("SELECT * FROM auth_list_state WHERE id = 1"),
      lookup: db.prepare("SELECT * FROM auth_list_entries WHERE slot = ? AND key = ?"),
      insert: db.prepare("INSERT OR REPLACE INTO auth_list_entries (slot, key, status, expiry_ms, parent_key) VALUES (?, ?, ?, ?, ?)"),
      remove: db.prepare("DELETE FROM auth_list_entries WHERE slot = ? AND key = ?"),
      clearSlot: db.prepare(
        "DELETE FROM auth_list_entries WHERE slot = ? AND key IN (SELECT key FROM auth_list_entries WHERE slot = ? LIMIT ?)",
      ),
      count: db.prepare("SELECT count(*) AS n FROM auth_list_entries WHERE slot = ?"),
      page: db.prepare("SELECT * FROM auth_list_entries WHERE slot = ? AND key > ? ORDER BY key LIMIT ?"),
      setStaging: db.prepare(
        "UPDATE auth_list_state SET staging_version = ?, staging_type = ?, staging_parts = ?, staging_total = ? WHERE id = 1",
      ),
      flip: db.prepare(
        "UPDATE auth_list_state SET version = ?, slot = ?, staging_version = NULL, staging_type = NULL, staging_parts = 0, staging_total = 0 WHERE id = 1",
      ),
      setVersion: db.prepare(
        "UPDATE auth_list_state SET version = ?, staging_version = NULL, staging_type = NULL, staging_parts = 0, staging_total = 0 WHERE id = 1",
      ),
      pendingAdd: db.prepare("INSERT INTO auth_list_pending (key, status, expiry_ms, parent_key) VALUES (?, ?, ?, ?)"),
      pendingTake: db.prepare("SELECT * FROM auth_list_pending ORDER BY n LIMIT ?"),
      pendingDrop: db.prepare("DELETE FROM auth_list_pending WHERE n <= ?"),
      pendingClear: db.prepare("DELETE FROM auth_list_pending"),
      cacheGet: db.prepare("SELECT * FROM auth_cache WHERE key = ?"),
      cachePut: db.prepare(
        "INSERT OR REPLACE INTO auth_cache (key, status, expiry_ms, parent_key, limits, cached_at_ms) VALUES (?, ?, ?, ?, ?, ?)",
      ),
      cacheCount: db.prepare("SELECT count(*) AS n FROM auth_cache"),
      cacheEvict: db.prepare("DELETE FROM auth_cache WHERE key IN (SELECT key FROM auth_cache ORDER BY cached_at_ms LIMIT ?)"),
      cacheClear: db.prepare("DELETE FROM auth_cache"),
    };
  }

  private state(): StateRow {
    return this.s.state.get() as StateRow;
  }

  version(): number {
    return this.state().version;
  }

  activeSlot(): number {
    return this.state().slot;
  }

  inactiveSlot(): number {
    return 1 - this.state().slot;
  }

  /** The installed entry for a key hash, or null. One primary-key read. */
  lookup(key: Buffer): IdInfo | null {
    const row = this.s.lookup.get(this.activeSlot(), key) as EntryRow | undefined;
    return row ? info(row) : null;
  }

  /** Number of entries in the installed list. */
  size(): number {
    return (this.s.count.get(this.activeSlot()) as { n: number }).n;
  }

  /** Installed entries ordered by key hash, after `afterKey` (an empty buffer for the first page). */
  page(afterKey: Buffer, limit: number): { key: string; info: IdInfo }[] {
    return (this.s.page.all(this.activeSlot(), afterKey, limit) as EntryRow[]).map((r) => ({ key: r.key.toString("hex"), info: info(r) }));
  }

  staging(): Staging | null {
    const st = this.state();
    if (st.staging_version === null || st.staging_type === null) return null;
    return { version: st.staging_version, type: st.staging_type, partsReceived: st.staging_parts, partsTotal: st.staging_total };
  }

  /** Record that parts 1…`parts` of an update are staged. */
  setStaging(version: number, type: UpdateType, parts: number, total: number): void {
    this.s.setStaging.run(version, type, parts, total);
  }

  /** Forget a staged update (its rows are cleared by `clearInactive` / here for Differentials). */
  dropStaging(): void {
    this.db
      .transaction(() => {
        this.s.setStaging.run(null, null, 0, 0);
        this.s.pendingClear.run();
      })
      .immediate();
  }

  /** Delete up to `limit` rows of the inactive slot; returns how many were deleted. */
  clearInactive(limit: number): number {
    const slot = this.inactiveSlot();
    return this.s.clearSlot.run(slot, slot, limit).changes;
  }

  /** Write Full-list entries into the inactive slot (call inside a transaction, in chunks). */
  stageFull(entries: readonly KeyedEntry[]): void {
    const slot = this.inactiveSlot();
    for (const e of entries) {
      if (e.info) this.s.insert.run(slot, e.key, e.info.status, e.info.expiryMs, e.info.parent);
    }
  }

  /** Queue Differential entries (call inside a transaction). */
  stageDifferential(entries: readonly KeyedEntry[]): void {
    for (const e of entries) this.s.pendingAdd.run(e.key, e.info?.status ?? null, e.info?.expiryMs ?? null, e.info?.parent ?? null);
  }

  /** Make the staged Full list the installed one, at `version`. */
  activateFull(version: number): void {
    this.s.flip.run(version, this.inactiveSlot());
  }

  /** Apply up to `limit` queued Differential rows to the installed list; returns how many. */
  applyDifferential(limit: number): number {
    const rows = this.s.pendingTake.all(limit) as (Omit<EntryRow, "status"> & { n: number; status: IdStatus | null })[];
    if (rows.length === 0) return 0;
    const slot = this.activeSlot();
    this.db
      .transaction(() => {
        for (const r of rows) {
          if (r.status === null) this.s.remove.run(slot, r.key);
          else this.s.insert.run(slot, r.key, r.status, r.expiry_ms, r.parent_key);
        }
        this.s.pendingDrop.run((rows[rows.length - 1] as { n: number }).n);
      })
      .immediate();
    return rows.length;
  }

  /** Set the installed version once every queued Differential row is applied. */
  finishDifferential(version: number): void {
    this.s.setVersion.run(version);
  }

  cacheGet(key: Buffer): { info: IdInfo; limits: AuthLimits } | null {
    const row = this.s.cacheGet.get(key) as (EntryRow & { limits: string }) | undefined;
    return row ? { info: info(row), limits: JSON.parse(row.limits) as AuthLimits } : null;
  }

  /** Remember an online answer; the oldest entries go once the cache holds more than `maxEntries`. */
  cachePut(key: Buffer, entry: IdInfo, limits: AuthLimits, nowMs: number, maxEntries: number): void {
    this.db
      .transaction(() => {
        const parent = entry.parent ? Buffer.from(entry.parent, "hex") : null;
        this.s.cachePut.run(key, entry.status, entry.expiryMs, parent, JSON.stringify(limits), nowMs);
        const n = (this.s.cacheCount.get() as { n: number }).n;
        if (n > maxEntries) this.s.cacheEvict.run(n - maxEntries);
      })
      .immediate();
  }

  /** Empty the cache; returns how many entries were removed. */
  clearCache(): number {
    return this.s.cacheClear.run().changes;
  }

  cacheSize(): number {
    return (this.s.cacheCount.get() as { n: number }).n;
  }
}
