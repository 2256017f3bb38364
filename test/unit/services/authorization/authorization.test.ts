import { afterEach, describe, expect, it } from "vitest";
import type { Config } from "../../../../src/config/schema.js";
import type { CommandRegistry } from "../../../../src/services/uplink/index.js";
import type { SessionRow } from "../../../../src/store/sessions-repo.js";
import { startTestStation, TEST_CARD, type TestStation, testConfig } from "../../../helpers/station.js";
import { attachBackend, FakeBackend } from "../binding/fake-backend.js";

const open: TestStation[] = [];
afterEach(async () => {
  for (const t of open.splice(0)) await t.station.stop();
});

const LISTED = "0A0B0C0D";
const UNKNOWN = "DEADBEEF";

async function station(
  auth: Partial<Config["authorization"]> = {},
  more: Partial<Config> = {},
): Promise<{ t: TestStation; backend: FakeBackend; commands: CommandRegistry }> {
  const base = testConfig().authorization;
  const t = await startTestStation({ config: { authorization: { ...base, activation: "active", ...auth }, ...more } });
  open.push(t);
  const backend = new FakeBackend(t);
  const commands = attachBackend(t, backend);
  return { t, backend, commands };
}

async function run(commands: CommandRegistry, name: string, payload: Record<string, unknown>): Promise<unknown> {
  const cmd = commands.get(name);
  if (!cmd) throw new Error(`no command ${name}`);
  return cmd.handler(cmd.validator.check({ cmdId: `c-${Math.random()}`, ...payload }, `cmd/${name}`), {
    cmdId: "c",
    name,
    afterAnswer: () => {},
  });
}

const records = (t: TestStation, topic: string) =>
  t
    .query<{ payload: string }>("SELECT payload FROM outbox WHERE topic = ? ORDER BY seq", topic)
    .map((r) => JSON.parse(r.payload) as Record<string, unknown>);
const sessions = (t: TestStation) => t.query<SessionRow>("SELECT * FROM sessions ORDER BY plugged_at, rowid");

async function tap(t: TestStation, id: string): Promise<void> {
  t.world.act({ action: "plug" });
  await t.advance(3000);
  t.world.act({ action: "token", id });
  await t.advance(5000);
}

describe("authorization (SGEM offline session, seed 004)", () => {
  it("offline: a card on the local list charges, flagged offline; the link returns and it is reconciled", async () => {
    const { t, backend, commands } = await station();
    await run(commands, "localList", {
      listVersion: 1,
      updateType: "Full",
      localAuthorizationList: [{ idTag: LISTED, idTagInfo: { status: "Accepted" } }],
    });
    backend.respond = () => "offline";
    await tap(t, LISTED);
    expect(t.world.contactorCommanded).toBe(true);
    backend.respond = (name) => (name === "authorize" ? { idTagInfo: { status: "Accepted" } } : "silent");
    await t.advance(60_000);
    t.world.act({ action: "unplug" });
    await t.advance(2000);
    const ended = records(t, "session").find((r) => r.event === "ended");
    expect(ended).toMatchObject({ offline: true });
    expect(ended?.flags).toContain("offline");
    const rec = records(t, "event").find((e) => e.kind === "authorizationReconciled");
    expect(rec?.detail).toMatchObject({ outcome: "confirmed", tokenId: "****0C0D" });
  });

  it("offline: an unknown card is refused", async () => {
    const { t, backend } = await station();
    backend.respond = () => "offline";
    await tap(t, UNKNOWN);
    expect(t.world.contactorCommanded).toBe(false);
    expect(records(t, "event").find((e) => e.kind === "authorizationRejected")?.detail).toMatchObject({ reason: "UnknownOffline" });
  });

  it("offline with AllowOfflineTxForUnknownId: charges, capped by MaxEnergyOnInvalidId; a later rejection stops it", async () => {
    const { t, backend } = await station({
      allowOfflineTxForUnknownId: true,
      maxEnergyOnInvalidIdWh: 2000,
      stopTransactionOnInvalidId: false,
    });
    backend.respond = () => "offline";
    await tap(t, UNKNOWN);
    expect(t.world.contactorCommanded).toBe(true);
    await t.advance(20 * 60_000);
    const [row] = sessions(t);
    expect(row?.stop_reason).toBe("EnergyLimitReached");
    expect(row?.energy_wh).toBeGreaterThanOrEqual(2000);
    expect(row?.energy_wh).toBeLessThan(2100);
  });

  it("reconciliation rejects an offline session: StopTransactionOnInvalidId stops it (DeAuthorized)", async () => {
    const { t, backend } = await station({ allowOfflineTxForUnknownId: true });
    backend.respond = () => "offline";
    await tap(t, UNKNOWN);
    backend.respond = () => ({ idTagInfo: { status: "Invalid" } });
    await t.advance(40_000);
    expect(sessions(t)[0]?.stop_reason).toBe("DeAuthorized");
  });

  it("online: req/authorize decides, the answer is cached for offline use; clearCache forgets it", async () => {
    const { t, backend, commands } = await station();
    backend.respond = () => ({ idTagInfo: { status: "Accepted" } });
    await tap(t, UNKNOWN);
    expect(t.world.contactorCommanded).toBe(true);
    expect(backend.asked[backend.asked.length - 1]).toMatchObject({ name: "authorize", payload: { idTag: UNKNOWN } });
    t.world.act({ action: "unplug" });
    await t.advance(2000);
    backend.respond = () => "offline";
    await tap(t, UNKNOWN);
    expect(t.world.contactorCommanded).toBe(true);
    t.world.act({ action: "unplug" });
    await t.advance(2000);
    expect(await run(commands, "clearCache", {})).toEqual({ removed: 1 });
    await tap(t, UNKNOWN);
    expect(t.world.contactorCommanded).toBe(false);
  });

  it("prepaid: maxEnergyWh stops the session at the limit with its stop reason and a correct record", async () => {
    const { t, backend } = await station();
    backend.respond = () => ({ idTagInfo: { status: "Accepted" }, maxEnergyWh: 5000 });
    await tap(t, UNKNOWN);
    await t.advance(30 * 60_000);
    const [row] = sessions(t);
    expect(row?.stop_reason).toBe("EnergyLimitReached");
    expect(row?.energy_wh).toBeGreaterThanOrEqual(5000);
    expect(row?.energy_wh).toBeLessThan(5100);
    expect(t.world.contactorCommanded).toBe(false);
    const ended = records(t, "session").find((r) => r.event === "ended");
    expect(ended).toMatchObject({ stopReason: "EnergyLimitReached", energyWh: row?.energy_wh });
    expect(records(t, "event").find((e) => e.kind === "limitReached")?.detail).toMatchObject({ maxEnergyWh: 5000 });
  });

  it("prepaid: maxCost (minor units) stops the session once its energy at the tariff costs that much", async () => {
    const tariff = { ...testConfig().tariff, basePrice: 30, currency: "EUR" };
    const { t, backend } = await station({}, { tariff });
    backend.respond = () => ({ idTagInfo: { status: "Accepted" }, maxCost: 100 });
    await tap(t, UNKNOWN);
    await t.advance(30 * 60_000);
    const [row] = sessions(t);
    expect(row?.stop_reason).toBe("CostLimitReached");
    // 100 cents at 30 cents/kWh: 3,334 Wh, plus at most one meter poll of overshoot.
    expect(row?.energy_wh).toBeGreaterThanOrEqual(3334);
    expect(row?.energy_wh).toBeLessThan(3400);
  });

  it("before activation only test cards charge; remote start is refused; activate switches to normal service", async () => {
    const { t, backend, commands } = await station({ activation: "pending" });
    backend.respond = () => ({ idTagInfo: { status: "Accepted" } });
    await tap(t, UNKNOWN);
    expect(t.world.contactorCommanded).toBe(false);
    expect(backend.asked).toEqual([]);
    t.world.act({ action: "token", id: TEST_CARD });
    await t.advance(3000);
    expect(t.world.contactorCommanded).toBe(true);
    t.world.act({ action: "unplug" });
    await t.advance(2000);
    expect(() => t.station.auth.remoteControl(t.station.controller).authorize(null, "remote")).toThrow(/not activated/);
    expect(await run(commands, "activate", {})).toEqual({ activation: "active", previous: "pending" });
    await tap(t, UNKNOWN);
    expect(t.world.contactorCommanded).toBe(true);
  });

  it("ConnectionTimeOut: a tap without a vehicle lapses unless one plugs in in time", async () => {
    const { t, backend } = await station({ connectionTimeOutS: 30 });
    backend.respond = () => ({ idTagInfo: { status: "Accepted" } });
    t.world.act({ action: "token", id: UNKNOWN });
    await t.advance(40_000);
    t.world.act({ action: "plug" });
    await t.advance(5000);
    expect(t.world.contactorCommanded).toBe(false);
    expect(records(t, "event").some((e) => e.kind === "authorizationExpired")).toBe(true);
    t.world.act({ action: "unplug" });
    await t.advance(2000);
    t.world.act({ action: "token", id: UNKNOWN });
    await t.advance(10_000);
    t.world.act({ action: "plug" });
    await t.advance(5000);
    expect(t.world.contactorCommanded).toBe(true);
  });

  it("card replacement: the old card blocked, the new one accepted, by a Differential", async () => {
    const { t, backend, commands } = await station();
    backend.respond = () => "offline";
    const NEW = "0E0E0E0E";
    await run(commands, "localList", {
      listVersion: 1,
      updateType: "Full",
      localAuthorizationList: [{ idTag: LISTED, idTagInfo: { status: "Accepted" } }],
    });
    await run(commands, "localList", {
      listVersion: 2,
      updateType: "Differential",
      localAuthorizationList: [
        { idTag: LISTED, idTagInfo: { status: "Blocked" } },
        { idTag: NEW, idTagInfo: { status: "Accepted" } },
      ],
    });
    await tap(t, LISTED);
    expect(t.world.contactorCommanded).toBe(false);
    t.world.act({ action: "token", id: NEW });
    await t.advance(3000);
    expect(t.world.contactorCommanded).toBe(true);
    await expect(run(commands, "localList", { listVersion: 2, updateType: "Differential", localAuthorizationList: [] })).rejects.toThrow(
      /VersionMismatch.*station listVersion 2/,
    );
    expect(await run(commands, "getLocalListVersion", {})).toEqual({ listVersion: 2, entries: 2 });
  });

  it("a card of the same group (parentIdTag) stops the session; a card of another group does not", async () => {
    const { t, backend, commands } = await station();
    backend.respond = () => "offline";
    const [A, B, OTHER] = ["0A0A0A01", "0A0A0A02", "0B0B0B01"];
    await run(commands, "localList", {
      listVersion: 1,
      updateType: "Full",
      localAuthorizationList: [
        { idTag: A, idTagInfo: { status: "Accepted", parentIdTag: "FAMILY-1" } },
        { idTag: B, idTagInfo: { status: "Accepted", parentIdTag: "FAMILY-1" } },
        { idTag: OTHER, idTagInfo: { status: "Accepted", parentIdTag: "FAMILY-2" } },
      ],
    });
    await tap(t, A);
    expect(t.world.contactorCommanded).toBe(true);
    t.world.act({ action: "token", id: OTHER });
    await t.advance(3000);
    expect(t.world.contactorCommanded).toBe(true);
    t.world.act({ action: "token", id: B });
    await t.advance(3000);
    expect(t.world.contactorCommanded).toBe(false);
    expect(sessions(t)[0]).toMatchObject({ stop_reason: "Local" });
  });

  it("online: the group comes from the backend's answer (and its cache)", async () => {
    const { t, backend } = await station();
    const [A, B] = ["0C0C0C01", "0C0C0C02"];
    backend.respond = (name, payload) =>
      name === "authorize" && (payload.idTag === A || payload.idTag === B)
        ? { idTagInfo: { status: "Accepted", parentIdTag: "FLEET-9" } }
        : "silent";
    await tap(t, A);
    expect(t.world.contactorCommanded).toBe(true);
    t.world.act({ action: "token", id: B });
    await t.advance(3000);
    expect(t.world.contactorCommanded).toBe(false);
    expect(sessions(t)[0]).toMatchObject({ stop_reason: "Local" });
  });
});
