import { describe, expect, it } from "vitest";
import { type AuthPolicies, decideLocal, decideOnline, limitReached, reconcile } from "../../../src/core/authorization.js";

const P: AuthPolicies = {
  localAuthorizeOffline: true,
  localPreAuthorize: false,
  allowOfflineTxForUnknownId: false,
  maxEnergyOnInvalidIdWh: null,
  stopTransactionOnInvalidId: true,
};
const NOW = Date.UTC(2026, 10, 22);
const base = { testCard: false, activated: true, online: true, list: null, cache: null, nowMs: NOW, policies: P };
const ok = { status: "Accepted" as const, expiryMs: null, parent: null };

describe("decideLocal", () => {
  it("test cards pass even before activation; nothing else does", () => {
    expect(decideLocal({ ...base, testCard: true, activated: false })).toMatchObject({ kind: "accept", via: "testCard" });
    expect(decideLocal({ ...base, activated: false, list: ok })).toEqual({ kind: "reject", reason: "NotActivated" });
  });
  it("blocked and expired list entries reject, online or not", () => {
    expect(decideLocal({ ...base, list: { ...ok, status: "Blocked" } })).toEqual({ kind: "reject", reason: "Blocked" });
    expect(decideLocal({ ...base, online: false, list: { ...ok, expiryMs: NOW - 1 } })).toEqual({ kind: "reject", reason: "Expired" });
  });
  it("online asks the backend unless LocalPreAuthorize", () => {
    expect(decideLocal({ ...base, list: ok })).toEqual({ kind: "askOnline" });
    expect(decideLocal({ ...base, list: ok, policies: { ...P, localPreAuthorize: true } })).toMatchObject({
      via: "localList",
      offline: false,
    });
    expect(decideLocal({ ...base, cache: ok, policies: { ...P, localPreAuthorize: true } })).toMatchObject({ via: "cache" });
  });
  it("offline: list and cache under LocalAuthorizeOffline; unknown per AllowOfflineTxForUnknownId, capped", () => {
    const off = { ...base, online: false };
    expect(decideLocal({ ...off, list: ok })).toMatchObject({ kind: "accept", via: "localList", offline: true });
    expect(decideLocal({ ...off, list: ok, policies: { ...P, localAuthorizeOffline: false } })).toEqual({
      kind: "reject",
      reason: "Offline",
    });
    expect(decideLocal({ ...off, cache: { ...ok, status: "Blocked" } })).toEqual({ kind: "reject", reason: "Blocked" });
    expect(decideLocal(off)).toEqual({ kind: "reject", reason: "UnknownOffline" });
    expect(decideLocal({ ...off, policies: { ...P, allowOfflineTxForUnknownId: true, maxEnergyOnInvalidIdWh: 500 } })).toMatchObject({
      via: "offlineUnknown",
      limits: { maxEnergyWh: 500 },
    });
  });
});

describe("online answers, reconciliation and limits", () => {
  it("an Accepted answer carries its limits; an expired one rejects", () => {
    expect(decideOnline({ info: ok, limits: { maxEnergyWh: 10 } }, NOW)).toMatchObject({ via: "online", limits: { maxEnergyWh: 10 } });
    expect(decideOnline({ info: { ...ok, expiryMs: NOW }, limits: {} }, NOW)).toEqual({ kind: "reject", reason: "Expired" });
  });
  it("StopTransactionOnInvalidId stops, else the session is capped", () => {
    const invalid = { info: { ...ok, status: "Invalid" as const }, limits: {} };
    expect(reconcile(invalid, NOW, P)).toEqual({ kind: "stop", status: "Invalid" });
    expect(reconcile(invalid, NOW, { ...P, stopTransactionOnInvalidId: false, maxEnergyOnInvalidIdWh: 100 })).toEqual({
      kind: "cap",
      status: "Invalid",
      maxEnergyWh: 100,
    });
  });
  it("limitReached", () => {
    expect(limitReached({ maxEnergyWh: 100 }, 99, null)).toBeNull();
    expect(limitReached({ maxEnergyWh: 100 }, 100, null)).toBe("EnergyLimitReached");
    expect(limitReached({ maxCost: 250 }, 10, 250)).toBe("CostLimitReached");
  });
});
