import { afterEach, describe, expect, it } from "vitest";
import type { SessionRow } from "../../../../src/store/sessions-repo.js";
import { startTestStation, TEST_CARD, type TestStation } from "../../../helpers/station.js";
import { attachBackend, FakeBackend } from "./fake-backend.js";

const open: TestStation[] = [];
afterEach(async () => {
  for (const t of open.splice(0)) await t.station.stop();
});

async function station(dir?: string): Promise<{ t: TestStation; backend: FakeBackend }> {
  const t = await startTestStation({ ...(dir ? { dir } : {}), config: { premiseId: "PREMISE-1" } });
  open.push(t);
  const backend = new FakeBackend(t);
  attachBackend(t, backend);
  return { t, backend };
}

const records = (t: TestStation, topic: string) =>
  t
    .query<{ payload: string }>("SELECT payload FROM outbox WHERE topic = ? ORDER BY seq", topic)
    .map((r) => JSON.parse(r.payload) as Record<string, unknown>);
const intervals = (t: TestStation) => records(t, "interval");

const PROGRAM_A = { status: "Accepted", program: "EV-TOU", payer: "premise", intervalS: 300 } as const;
const PROGRAM_B = { status: "Accepted", program: "EV-TOU", payer: "pevOwner", account: "OWNER-9", intervalS: 900 } as const;

/** Plug in, show the test card, charge `minutes`, unplug. */
async function chargeOnce(t: TestStation, minutes: number): Promise<void> {
  t.world.act({ action: "plug" });
  await t.advance(3000);
  t.world.act({ action: "token", id: TEST_CARD });
  await t.advance(minutes * 60_000);
  t.world.act({ action: "unplug" });
  await t.advance(2000);
}

describe("PEV binding at plug-in (P1 scenarios 3.1 and 3.2)", () => {
  it("first binding: req/bind, parameters stored, interval length configured, acknowledged, L2-A premise account", async () => {
    const { t, backend } = await station();
    backend.respond = (name) => (name === "bind" ? PROGRAM_A : "silent");
    await chargeOnce(t, 20);
    const bind = backend.asked.find((a) => a.name === "bind");
    expect(bind?.payload).toMatchObject({ premiseId: "PREMISE-1" });
    expect(typeof bind?.payload.pevId).toBe("string");
    expect(records(t, "event").find((e) => e.kind === "binding")?.detail).toMatchObject({
      status: "bound",
      via: "utility",
      program: "EV-TOU",
      intervalS: 300,
    });
    const ended = records(t, "session").find((r) => r.event === "ended");
    expect(ended).toMatchObject({ binding: "bound", program: "EV-TOU", account: "PREMISE-1", payer: "premise" });
    const iv = intervals(t);
    expect(iv.length).toBeGreaterThan(2);
    expect(iv.every((i) => i.account === "PREMISE-1" && i.program === "EV-TOU")).toBe(true);
    expect(iv.slice(1, -1).every((i) => i.durationS === 300)).toBe(true);
  });

  it("L2-B: the PEV owner's account pays; re-binding is immediate without the utility", async () => {
    const { t, backend } = await station();
    backend.respond = (name) => (name === "bind" ? PROGRAM_B : "silent");
    await chargeOnce(t, 5);
    backend.respond = () => "silent";
    const before = backend.asked.length;
    t.world.act({ action: "plug" });
    // The PEV link reports its ID 2 s after plug-in; bound within the next second of simulated time.
    await t.advance(2000);
    const pluggedAt = t.clock.monotonic();
    await t.advance(900);
    expect(t.station.binding.state()).toMatchObject({ phase: "bound", reason: "stored" });
    expect(t.clock.monotonic() - pluggedAt).toBeLessThan(1000);
    expect(backend.asked.slice(before).map((a) => a.payload.rebind)).toEqual([true]);
    t.world.act({ action: "token", id: TEST_CARD });
    await t.advance(20 * 60_000);
    expect(t.station.controller.snapshot().status).toBe("Charging");
    t.world.act({ action: "unplug" });
    await t.advance(2000);
    const ended = records(t, "session").filter((r) => r.event === "ended");
    expect(ended[1]).toMatchObject({ binding: "bound", account: "OWNER-9", payer: "pevOwner" });
    expect(
      intervals(t)
        .slice(-2)
        .every((i) => i.account === "OWNER-9"),
    ).toBe(true);
  });

  it("a revoked re-binding bills the rest of the session to the premise", async () => {
    const { t, backend } = await station();
    backend.respond = (name) => (name === "bind" ? PROGRAM_B : "silent");
    await chargeOnce(t, 1);
    backend.respond = (name, p) => (name === "bind" && p.rebind ? { status: "Rejected" } : "silent");
    await chargeOnce(t, 1);
    const ended = records(t, "session").filter((r) => r.event === "ended");
    expect(ended[1]).toMatchObject({ binding: "unbound", account: "PREMISE-1", program: null });
    expect(records(t, "event").some((e) => (e.detail as { status?: string }).status === "revoked")).toBe(true);
  });

  it("a silent utility: charging waits, then starts unbound after the timeout, billed to the premise", async () => {
    const { t, backend } = await station();
    backend.respond = () => "silent";
    t.world.act({ action: "plug" });
    await t.advance(3000);
    t.world.act({ action: "token", id: TEST_CARD });
    await t.advance(30_000);
    expect(t.world.contactorCommanded).toBe(false);
    expect(t.station.binding.state().phase).toBe("pending");
    await t.advance(40_000);
    expect(t.station.binding.state()).toMatchObject({ phase: "unbound", reason: "timeout" });
    expect(t.world.contactorCommanded).toBe(true);
    await t.advance(10 * 60_000);
    t.world.act({ action: "unplug" });
    await t.advance(2000);
    const ended = records(t, "session").find((r) => r.event === "ended");
    expect(ended).toMatchObject({ binding: "unbound", account: "PREMISE-1", program: null });
    expect(intervals(t).every((i) => i.account === "PREMISE-1" && i.program === null)).toBe(true);
  });

  it("a rejected PEV ID charges unbound at once; a malformed answer too, and neither is stored", async () => {
    const { t, backend } = await station();
    backend.respond = () => ({ status: "Rejected" });
    await chargeOnce(t, 1);
    expect(t.query<SessionRow>("SELECT * FROM sessions")[0]?.energy_wh).toBeGreaterThan(0);
    backend.respond = () => ({ status: "Accepted", payer: "pevOwner" });
    await chargeOnce(t, 1);
    const reasons = records(t, "event")
      .filter((e) => e.kind === "binding")
      .map((e) => (e.detail as { reason?: string }).reason);
    expect(reasons).toEqual(["rejected", "invalidAnswer"]);
    expect(t.query("SELECT * FROM pev_bindings")).toEqual([]);
  });
});
