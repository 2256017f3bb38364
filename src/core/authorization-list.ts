import { ID_STATUSES, type IdStatus } from "./authorization.js";

/**
 * OCPP 1.6 SendLocalList rules, pure. An update may arrive in parts (`part.index` of `part.count`, in
 * order) because one command is limited to 64 KiB; nothing is applied before the last part.
 */

export type UpdateType = "Full" | "Differential";

/** One `localAuthorizationList` entry as sent; without `idTagInfo` (Differential only) it removes the id. */
export interface ListEntryInput {
  readonly idTag: string;
  readonly idTagInfo?: { readonly status: IdStatus; readonly expiryDate?: string; readonly parentIdTag?: string };
}

export interface ListUpdateInput {
  readonly listVersion: number;
  readonly updateType: UpdateType;
  readonly entries: readonly ListEntryInput[];
  readonly part: { readonly index: number; readonly count: number };
}

/** What has been staged of a multi-part update so far. */
export interface Staging {
  readonly version: number;
  readonly type: UpdateType;
  readonly partsReceived: number;
  readonly partsTotal: number;
}

/** A checked entry: tag normalized, expiry in ms; `info` null removes the tag. */
export interface ListEntry {
  readonly idTag: string;
  readonly info: { readonly status: IdStatus; readonly expiryMs: number | null; readonly parentIdTag: string | null } | null;
}

export type UpdateCheck =
  | { readonly ok: true; readonly startsStaging: boolean; readonly last: boolean }
  | { readonly ok: false; readonly status: "VersionMismatch" | "Failed"; readonly path: string; readonly problem: string };

/** Identifiers compare case-insensitively (OCPP CiString20); stored upper-case. */
export function normalizeIdTag(tag: string): string {
  return tag.trim().toUpperCase();
}

function fail(path: string, problem: string): UpdateCheck {
  return { ok: false, status: "Failed", path, problem };
}

/**
 * Check one part's header (version, part order) against the station's list version and what is staged;
 * its entries are checked by `checkEntries`. A Differential must carry a
 * version above the installed one (else VersionMismatch: the backend sends Full); a Full list of any
 * version replaces the list, an empty Full list clears it (version 0 means the empty list).
 */
export function checkUpdate(installedVersion: number, staging: Staging | null, u: ListUpdateInput): UpdateCheck {
  const { index, count } = u.part;
  if (!Number.isInteger(u.listVersion) || u.listVersion < 0) return fail("/listVersion", "must be an integer ≥ 0");
  if (index < 1 || index > count) return fail("/part/index", `must be between 1 and part.count (${count})`);
  if (u.updateType === "Differential" && u.listVersion <= installedVersion) {
    return {
      ok: false,
      status: "VersionMismatch",
      path: "/listVersion",
      problem: `Differential version ${u.listVersion} does not follow the installed version ${installedVersion}; send a Full list`,
    };
  }
  if (u.updateType === "Full" && u.listVersion === 0 && u.entries.length > 0) return fail("/listVersion", "version 0 is the empty list");
  if (index > 1) {
    if (!staging || staging.version !== u.listVersion || staging.type !== u.updateType || staging.partsTotal !== count) {
      return fail("/part", `part ${index} of ${count} without parts 1…${index - 1} of the same ${u.updateType} version ${u.listVersion}`);
    }
    if (staging.partsReceived !== index - 1) return fail("/part/index", `expected part ${staging.partsReceived + 1}, got ${index}`);
  }
  return { ok: true, startsStaging: index === 1, last: index === count };
}

export type EntriesCheck =
  | { readonly ok: true; readonly entries: readonly ListEntry[] }
  | { readonly ok: false; readonly status: "Failed"; readonly path: string; readonly problem: string };

/**
 * Check `entries` (the slice of `localAuthorizationList` starting at index `offset`); `seen` carries the
 * tags of earlier slices so duplicates across slices are found. Callers check long lists slice by slice.
 */
export function checkEntries(entries: readonly ListEntryInput[], updateType: UpdateType, offset: number, seen: Set<string>): EntriesCheck {
  const out: ListEntry[] = [];
  for (const [k, e] of entries.entries()) {
    const path = `/localAuthorizationList/${offset + k}`;
    const idTag = normalizeIdTag(e.idTag);
    if (idTag.length === 0 || idTag.length > 20) return failed(`${path}/idTag`, "must be 1 to 20 characters");
    if (seen.has(idTag)) return failed(`${path}/idTag`, "duplicate idTag in this update");
    seen.add(idTag);
    if (!e.idTagInfo) {
      if (updateType === "Full") return failed(`${path}/idTagInfo`, "required in a Full list");
      out.push({ idTag, info: null });
      continue;
    }
    if (!ID_STATUSES.includes(e.idTagInfo.status)) return failed(`${path}/idTagInfo/status`, `unknown status '${e.idTagInfo.status}'`);
    let expiryMs: number | null = null;
    if (e.idTagInfo.expiryDate !== undefined) {
      expiryMs = Date.parse(e.idTagInfo.expiryDate);
      if (Number.isNaN(expiryMs)) return failed(`${path}/idTagInfo/expiryDate`, "must be an ISO 8601 date-time");
    }
    const parent = e.idTagInfo.parentIdTag === undefined ? null : normalizeIdTag(e.idTagInfo.parentIdTag);
    out.push({ idTag, info: { status: e.idTagInfo.status, expiryMs, parentIdTag: parent } });
  }
  return { ok: true, entries: out };
}

function failed(path: string, problem: string): EntriesCheck {
  return { ok: false, status: "Failed", path, problem };
}
