import { describe, expect, it } from "vitest";
import { ManualClock } from "../../../../drivers/clock/manual.js";
import { Bus, type ChargeSnapshot } from "../../../../src/app/bus.js";
import { silentLogger } from "../../../../src/app/log.js";
import { DiskWatch } from "../../../../src/services/uplink/disk.js";
import { MqttRequests } from "../../../../src/services/uplink/requests.js";
import { StatusPublisher } from "../../../../src/services/uplink/status.js";
import { TelemetryPublisher } from "../../../../src/services/uplink/telemetry.js";
import { idleSnapshot } from "../../../helpers/snapshot.js";

const SNAP: ChargeSnapshot = idleSnapshot();

describe("StatusPublisher", () => {
  function setup() {
    const clock = new ManualClock();
    const bus = new Bus();
    const sent: Record<string, unknown>[] = [];
    let up = true;
    const status = new StatusPublisher({
      bus,
      initial: SNAP,
      clock,
      log: silentLogger(),
      intervalS: 60,
      isUp: () => up,
      publish: async (p) => {
        sent.push(JSON.parse(p) as Record<string, unknown>);
      },
    });
    status.start();
    return { clock, bus, sent, status, setUp: (v: boolean) => (up = v) };
  }

  it("publishes on change only, and at least every interval", () => {
    const t = setup();
    t.status.publishNow();
    t.bus.emit("charge", { ...SNAP, at: 5 });
    expect(t.sent).toHaveLength(1);
    t.bus.emit("charge", { ...SNAP, status: "Preparing", pilot: "B" });
    expect(t.sent).toHaveLength(2);
    t.clock.advance(59_000);
    expect(t.sent).toHaveLength(2);
    t.clock.advance(1_000);
    expect(t.sent).toHaveLength(3);
    expect(t.sent[2]).toMatchObject({
      ts: "2026-11-22T10:01:00Z",
      status: "Preparing",
      pilot: "B",
      contactor: "open",
      activation: "active",
    });
  });

  it("follows the session id and publishes nothing while offline", () => {
    const t = setup();
    t.setUp(false);
    t.bus.emit("charge", { ...SNAP, status: "Charging" });
    expect(t.sent).toHaveLength(0);
    t.setUp(true);
    const session = {
      id: "s1",
      pluggedAt: "",
      tokenId: null,
      pevId: null,
      startRegisterWh: null,
      registerWh: null,
      energyWh: 0,
      exportWh: 0,
      endedAt: null,
      stopReason: null,
    };
    t.bus.emit("session", { kind: "started", session });
    expect(t.sent.at(-1)).toMatchObject({ sessionId: "s1", status: "Charging" });
    t.bus.emit("session", { kind: "ended", session });
    expect(t.sent.at(-1)).toMatchObject({ sessionId: null });
  });
});

describe("TelemetryPublisher", () => {
  it("sends the latest reading once per period, and nothing while paused", () => {
    const clock = new ManualClock();
    const bus = new Bus();
    const sent: string[] = [];
    const t = new TelemetryPublisher({ bus, clock, intervalS: 10, isUp: () => true, publish: (p) => sent.push(p) });
    t.start();
    const reading = { importWh: 10, exportWh: 0, powerW: 1000, voltageV: [230], currentA: [4.35] };
    bus.emit("meter", { at: clock.now(), reading });
    bus.emit("meter", { at: clock.now(), reading: { ...reading, importWh: 11 } });
    clock.advance(10_000);
    clock.advance(10_000);
    expect(sent.map((s) => JSON.parse(s) as { importWh: number }).map((s) => s.importWh)).toEqual([11]);
    t.pause(true);
    bus.emit("meter", { at: clock.now(), reading });
    clock.advance(10_000);
    expect(sent).toHaveLength(1);
    t.pause(false);
    clock.advance(10_000);
    expect(sent).toHaveLength(2);
  });
});

describe("DiskWatch", () => {
  it("reports low once, and recovery only above the hysteresis", async () => {
    let free = 100;
    const changes: boolean[] = [];
    const w = new DiskWatch({
      path: "/",
      thresholdBytes: 50,
      checkS: 60,
      clock: new ManualClock(),
      log: silentLogger(),
      onLow: (low) => changes.push(low),
      probe: async () => free,
    });
    await w.start();
    free = 40;
    await w.check();
    await w.check();
    free = 55;
    await w.check();
    free = 70;
    await w.check();
    expect(changes).toEqual([true, false]);
    w.stop();
  });
});

describe("MqttRequests", () => {
  it("matches answers by reqId and name, times out and fails fast offline", async () => {
    const clock = new ManualClock();
    const published: { suffix: string; body: { reqId: string } }[] = [];
    let up = true;
    let n = 0;
    const r = new MqttRequests({
      clock,
      isUp: () => up,
      newId: () => `r${++n}`,
      publish: async (suffix, payload) => {
        published.push({ suffix, body: JSON.parse(payload) as { reqId: string } });
      },
    });
    const p = r.request("authorize", { tokenId: "X" }, 5000);
    expect(published[0]).toEqual({ suffix: "req/authorize", body: { tokenId: "X", reqId: "r1" } });
    r.answer("bind", Buffer.from('{"reqId":"r1"}'));
    r.answer("authorize", Buffer.from("not json"));
    r.answer("authorize", Buffer.from('{"reqId":"r1","accepted":true}'));
    await expect(p).resolves.toEqual({ reqId: "r1", accepted: true });

    const late = r.request("authorize", {}, 5000);
    clock.advance(5000);
    await expect(late).rejects.toMatchObject({ reason: "timeout" });
    up = false;
    await expect(r.request("authorize", {}, 5000)).rejects.toMatchObject({ reason: "offline" });
  });
});
