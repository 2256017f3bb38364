/**
 * Pure authorization decisions with OCPP 1.6 meanings. No I/O: the service looks the identifier up in
 * the local list and the cache, asks the backend when told to, and applies what these functions say.
 */

/** OCPP 1.6 AuthorizationStatus. */
export type IdStatus = "Accepted" | "Blocked" | "Expired" | "Invalid" | "ConcurrentTx";

export const ID_STATUSES: readonly IdStatus[] = ["Accepted", "Blocked", "Expired", "Invalid", "ConcurrentTx"];

/** What the station knows about one identifier (local list entry or cached answer). */
export interface IdInfo {
  readonly status: IdStatus;
  /** Wall-clock ms after which the entry counts as Expired; null: never. */
  readonly expiryMs: number | null;
  /** Keyed hash of the parent (group) id, hex; null: no group. */
  readonly parent: string | null;
}

/** Limits the backend attached to an accepted identifier (prepaid balance and the like). */
export interface AuthLimits {
  readonly maxEnergyWh?: number;
  /** In the tariff's currency, major units (e.g. 12.5 = 12.50 EUR). */
  readonly maxCost?: number;
}

/** The OCPP configuration keys that shape authorization. */
export interface AuthPolicies {
  readonly localAuthorizeOffline: boolean;
  readonly localPreAuthorize: boolean;
  readonly allowOfflineTxForUnknownId: boolean;
  /** Wh a session may still take once its identifier is invalid (unknown offline, rejected later); null: no cap. */
  readonly maxEnergyOnInvalidIdWh: number | null;
  readonly stopTransactionOnInvalidId: boolean;
}

/** How an identifier was accepted. */
export type AcceptedVia = "testCard" | "localList" | "cache" | "online" | "offlineUnknown";

export type AuthDecision =
  | {
      readonly kind: "accept";
      readonly via: AcceptedVia;
      readonly offline: boolean;
      readonly limits: AuthLimits;
      readonly parent: string | null;
    }
  | { readonly kind: "reject"; readonly reason: IdStatus | "NotActivated" | "UnknownOffline" | "Offline" }
  | { readonly kind: "askOnline" };

/** Everything the local phase looks at. */
export interface LocalInput {
  readonly testCard: boolean;
  readonly activated: boolean;
  /** Whether the backend can be asked now (uplink connected). */
  readonly online: boolean;
  readonly list: IdInfo | null;
  readonly cache: IdInfo | null;
  readonly nowMs: number;
  readonly policies: AuthPolicies;
}

/** The status an entry has at `nowMs`: an Accepted entry past its expiry is Expired. */
export function effectiveStatus(info: IdInfo, nowMs: number): IdStatus {
  return info.status === "Accepted" && info.expiryMs !== null && info.expiryMs <= nowMs ? "Expired" : info.status;
}

function accept(via: AcceptedVia, offline: boolean, parent: string | null, limits: AuthLimits = {}): AuthDecision {
  return { kind: "accept", via, offline, limits, parent };
}

/**
 * The local phase. Test cards always pass (also before activation); nothing else does until the station
 * is activated. A local-list entry that is not Accepted (or has expired) rejects at once, online or not.
 * An Accepted list or cache entry authorizes without the backend when offline (LocalAuthorizeOffline) or
 * when online with LocalPreAuthorize; otherwise the backend is asked. Unknown identifiers offline are
 * refused unless AllowOfflineTxForUnknownId, then capped by MaxEnergyOnInvalidId.
 */
export function decideLocal(i: LocalInput): AuthDecision {
  if (i.testCard) return accept("testCard", !i.online, null);
  if (!i.activated) return { kind: "reject", reason: "NotActivated" };
  const p = i.policies;
  if (i.list) {
    const status = effectiveStatus(i.list, i.nowMs);
    if (status !== "Accepted") return { kind: "reject", reason: status };
    if (i.online) return p.localPreAuthorize ? accept("localList", false, i.list.parent) : { kind: "askOnline" };
    return p.localAuthorizeOffline ? accept("localList", true, i.list.parent) : { kind: "reject", reason: "Offline" };
  }
  if (i.online) {
    if (p.localPreAuthorize && i.cache && effectiveStatus(i.cache, i.nowMs) === "Accepted") return accept("cache", false, i.cache.parent);
    return { kind: "askOnline" };
  }
  if (i.cache) {
    const status = effectiveStatus(i.cache, i.nowMs);
    if (status !== "Accepted") return { kind: "reject", reason: status };
    return p.localAuthorizeOffline ? accept("cache", true, i.cache.parent) : { kind: "reject", reason: "Offline" };
  }
  if (!p.allowOfflineTxForUnknownId) return { kind: "reject", reason: "UnknownOffline" };
  return accept("offlineUnknown", true, null, p.maxEnergyOnInvalidIdWh === null ? {} : { maxEnergyWh: p.maxEnergyOnInvalidIdWh });
}

/** The backend's answer to `req/authorize`, already checked for shape. */
export interface OnlineAnswer {
  readonly info: IdInfo;
  readonly limits: AuthLimits;
}

/** The online phase: Accepted (and not already expired) authorizes with the answer's limits. */
export function decideOnline(answer: OnlineAnswer, nowMs: number): AuthDecision {
  const status = effectiveStatus(answer.info, nowMs);
  if (status !== "Accepted") return { kind: "reject", reason: status };
  return accept("online", false, answer.info.parent, answer.limits);
}

/** What to do with a session started offline once the backend has answered for its identifier. */
export type Reconciliation =
  | { readonly kind: "confirmed"; readonly limits: AuthLimits }
  | { readonly kind: "stop"; readonly status: IdStatus }
  | { readonly kind: "cap"; readonly status: IdStatus; readonly maxEnergyWh: number | null };

/** StopTransactionOnInvalidId stops a session whose identifier turned out invalid; else it is capped. */
export function reconcile(answer: OnlineAnswer, nowMs: number, p: AuthPolicies): Reconciliation {
  const status = effectiveStatus(answer.info, nowMs);
  if (status === "Accepted") return { kind: "confirmed", limits: answer.limits };
  if (p.stopTransactionOnInvalidId) return { kind: "stop", status };
  return { kind: "cap", status, maxEnergyWh: p.maxEnergyOnInvalidIdWh };
}

/** Which limit a session has reached, if any. Cost in major units of the tariff's currency. */
export function limitReached(limits: AuthLimits, energyWh: number, cost: number | null): "EnergyLimitReached" | "CostLimitReached" | null {
  if (limits.maxEnergyWh !== undefined && energyWh >= limits.maxEnergyWh) return "EnergyLimitReached";
  if (limits.maxCost !== undefined && cost !== null && cost >= limits.maxCost) return "CostLimitReached";
  return null;
}

/** The tighter of two limit sets. */
export function tighter(a: AuthLimits, b: AuthLimits): AuthLimits {
  const min = (x?: number, y?: number) => (x === undefined ? y : y === undefined ? x : Math.min(x, y));
  const e = min(a.maxEnergyWh, b.maxEnergyWh);
  const c = min(a.maxCost, b.maxCost);
  return { ...(e === undefined ? {} : { maxEnergyWh: e }), ...(c === undefined ? {} : { maxCost: c }) };
}
