import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Station } from "../../../src/app/station.js";
import { Mosquitto, mosquittoAvailable } from "../../helpers/mosquitto.js";
import { TEST_CARD } from "../../helpers/station.js";
import { stationOn, Utility } from "./utility.js";

type Rec = Record<string, unknown>;

/**
 * P1 scenarios 3.1 / 3.2 (first binding, re-binding), L2-A / L2-B, a silent utility, and the SGEM
 * offline session, against a scripted utility on a real Mosquitto. The station runs on simulated time.
 */
describe.skipIf(!mosquittoAvailable())("binding and authorization with a utility on Mosquitto", () => {
  let broker: Mosquitto;
  let utility: Utility;
  const stations: Station[] = [];

  beforeAll(async () => {
    broker = await Mosquitto.create();
    utility = await Utility.connect(broker.url);
  });
  afterEach(async () => {
    for (const s of stations.splice(0)) await s.stop();
    utility.script = () => null;
  });
  afterAll(async () => {
    await utility.close();
    await broker.dispose();
  });

  async function start(id: string, overrides: Parameters<typeof stationOn>[2] = {}) {
    const s = await stationOn(broker.url, id, overrides);
    stations.push(s.station);
    await s.until(() => utility.on(id, "availability").includes("online" as never), "online");
    return s;
  }

  it("first binding, then re-binding without the utility; the program's interval length and L2-A premise account", async () => {
    const s = await start("p1-a");
    utility.script = (name, req) =>
      name === "bind" && !req.rebind ? { status: "Accepted", program: "EV-TOU", payer: "premise", intervalS: 300 } : null;
    s.world.act({ action: "plug" });
    await s.advance(3000);
    s.world.act({ action: "token", id: TEST_CARD });
    await s.until(() => s.station.binding.state().phase === "bound", "bound");
    expect(utility.on<Rec>("p1-a", "req/bind")[0]).toMatchObject({ premiseId: "PREMISE-1" });
    await s.until(() => s.world.contactorCommanded, "charging");
    await s.advance(30 * 60_000);
    s.world.act({ action: "unplug" });
    await s.until(() => utility.on<Rec>("p1-a", "session").some((r) => r.event === "ended"), "session ended delivered");
    await s.until(() => utility.on<Rec>("p1-a", "interval").length >= 3, "intervals delivered");
    const iv = utility.on<Rec>("p1-a", "interval");
    expect(iv.slice(1, -1).every((i) => i.durationS === 300 && i.account === "PREMISE-1" && i.program === "EV-TOU")).toBe(true);
    expect(utility.on<Rec>("p1-a", "event").some((e) => e.kind === "binding" && (e.detail as Rec).status === "bound")).toBe(true);
    const lengthChange = utility.on<Rec>("p1-a", "event").find((e) => e.kind === "config" && (e.detail as Rec).to === 300);
    expect(lengthChange?.detail).toMatchObject({ source: "binding", changed: ["metering.intervalS"], from: 900 });

    // Scenario 3.2: the utility stays silent; the known PEV is bound from stored parameters at once.
    s.world.act({ action: "plug" });
    await s.until(() => s.station.binding.state().phase !== "idle" && s.station.binding.state().pevId !== null, "PEV ID reported", 5000);
    const pevAt = s.clock.monotonic();
    await s.until(() => s.station.binding.state().phase === "bound", "re-bound", 1000);
    expect(s.clock.monotonic() - pevAt).toBeLessThan(1000);
    expect(s.station.binding.state().reason).toBe("stored");
    const shown = () => utility.on<Rec>("p1-a", "status").find((st) => (st.binding as Rec | null)?.program === "EV-TOU");
    await s.until(() => shown() !== undefined, "binding in status", 70_000);
    expect(shown()?.binding).toMatchObject({ account: "PREMISE-1", pevId: expect.stringMatching(/^\*+.{4}$/) });
  });

  it("L2-B: the PEV owner's account is recorded on session and intervals", async () => {
    const s = await start("p1-b");
    utility.script = (name) =>
      name === "bind" ? { status: "Accepted", program: "EV-GUEST", payer: "pevOwner", account: "OWNER-7", intervalS: 900 } : null;
    s.world.act({ action: "plug" });
    await s.advance(3000);
    s.world.act({ action: "token", id: TEST_CARD });
    await s.until(() => s.world.contactorCommanded, "charging");
    await s.advance(20 * 60_000);
    s.world.act({ action: "unplug" });
    await s.until(() => utility.on<Rec>("p1-b", "session").some((r) => r.event === "ended"), "session ended delivered");
    const ended = utility.on<Rec>("p1-b", "session").find((r) => r.event === "ended");
    expect(ended).toMatchObject({ binding: "bound", account: "OWNER-7", payer: "pevOwner", program: "EV-GUEST" });
    expect(utility.on<Rec>("p1-b", "interval").every((i) => i.account === "OWNER-7")).toBe(true);
  });

  it("a silent utility: charging starts after the binding timeout at the premise default rate, billed to the premise", async () => {
    const s = await start("p1-c");
    s.world.act({ action: "plug" });
    await s.advance(3000);
    s.world.act({ action: "token", id: TEST_CARD });
    await s.until(() => utility.on("p1-c", "req/bind").length === 1, "req/bind");
    await s.advance(50_000);
    expect(s.world.contactorCommanded).toBe(false);
    await s.until(() => s.world.contactorCommanded, "charging after the timeout", 20_000);
    expect(s.station.binding.state()).toMatchObject({ phase: "unbound", reason: "timeout" });
    await s.advance(5 * 60_000);
    s.world.act({ action: "unplug" });
    await s.until(() => utility.on<Rec>("p1-c", "session").some((r) => r.event === "ended"), "session ended delivered");
    expect(utility.on<Rec>("p1-c", "session").find((r) => r.event === "ended")).toMatchObject({
      binding: "unbound",
      account: "PREMISE-1",
      program: null,
    });
  });

  it("SGEM offline session: listed card charges, unknown refused; link back → record delivered and reconciled", async () => {
    const s = await start("sgem", { binding: { enabled: false, timeoutS: 60, waitBeforeCharging: true, retryS: 5 } });
    await utility.command("sgem", "activate", {});
    await utility.command("sgem", "localList", {
      listVersion: 1,
      updateType: "Full",
      localAuthorizationList: [{ idTag: "0A0B0C0D", idTagInfo: { status: "Accepted" } }],
    });
    await s.until(() => utility.on<Rec>("sgem", "cmd/localList/result").length === 1, "localList result");
    expect(utility.on<Rec>("sgem", "cmd/localList/result")[0]).toMatchObject({
      status: "ok",
      data: { status: "Accepted", listVersion: 1 },
    });
    await broker.stop();
    await s.advance(2000);
    const outboxHas = (kind: string) =>
      (
        s.station.db.prepare("SELECT count(*) AS n FROM outbox WHERE topic = 'event' AND payload LIKE ?").get(`%"${kind}"%`) as {
          n: number;
        }
      ).n > 0;
    s.world.act({ action: "plug" });
    await s.advance(3000);
    s.world.act({ action: "token", id: "DEADBEEF" });
    await s.until(() => outboxHas("authorizationRejected"), "unknown card refused");
    expect(s.world.contactorCommanded).toBe(false);
    s.world.act({ action: "token", id: "0A0B0C0D" });
    await s.until(() => s.world.contactorCommanded, "charging offline");
    await s.advance(5 * 60_000);
    utility.script = (name) => (name === "authorize" ? { idTagInfo: { status: "Accepted" } } : null);
    await broker.start();
    await s.until(() => utility.on<Rec>("sgem", "event").some((e) => e.kind === "authorizationReconciled"), "reconciled", 300_000);
    expect(s.world.contactorCommanded).toBe(true);
    s.world.act({ action: "unplug" });
    await s.until(() => utility.on<Rec>("sgem", "session").some((r) => r.event === "ended"), "offline session delivered");
    expect(utility.on<Rec>("sgem", "session").find((r) => r.event === "ended")).toMatchObject({ offline: true, tokenId: "****0C0D" });
    const rejectedNow = () => utility.on<Rec>("sgem", "event").filter((e) => e.kind === "authorizationRejected");
    await s.until(() => rejectedNow().length > 0, "rejection delivered");
    const rejected = rejectedNow();
    expect(rejected.map((e) => e.detail)).toEqual([{ tokenId: "****BEEF", source: "rfid", reason: "UnknownOffline" }]);
  });
});
