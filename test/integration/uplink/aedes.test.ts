import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type EmbeddedBroker, startEmbeddedBroker } from "../../../src/app/broker.js";
import { startUplink, type Uplink } from "../../../src/services/uplink/index.js";
import { docSchemas, expectSchema, FakeControl, StationStore, Subscriber, testConfig, waitUntil } from "./fixture.js";

/** The whole uplink against the embedded aedes broker (MQTT 3.1.1, reached by falling back from 5). */
describe("uplink on the embedded aedes broker", () => {
  const schemas = docSchemas();
  let broker: EmbeddedBroker;
  let store: StationStore;
  let control: FakeControl;
  let uplink: Uplink | null;
  let sub: Subscriber;
  let restarts: number;

  beforeEach(async () => {
    store = new StationStore();
    broker = await startEmbeddedBroker({ host: "127.0.0.1", port: 0, log: store.log });
    control = new FakeControl();
    restarts = 0;
    sub = await Subscriber.connect(broker.url, ["evse/st-1/#", "homeassistant/#"]);
  });

  afterEach(async () => {
    await uplink?.stop();
    await sub.close();
    await broker.stop();
    store.dispose();
  });

  async function start(mqtt: Record<string, unknown> = {}, diskProbe?: () => Promise<number>): Promise<Uplink> {
    uplink = await startUplink({
      config: testConfig(store.dir, { telemetryIntervalS: 1, ...mqtt }),
      ...store.uplinkDeps("st-1", control),
      requestRestart: () => restarts++,
      brokerUrl: broker.url,
      ...(diskProbe ? { diskProbe } : {}),
    });
    return uplink;
  }

  it("announces online, publishes a retained status and drains the outbox in seq order", async () => {
    const seqs = store.append(50);
    const up = await start();
    await sub.waitFor(() => sub.on("evse/st-1/event").length >= 50, "50 events");
    expect(sub.json<{ seq: number }>("evse/st-1/event").map((e) => e.seq)).toEqual(seqs);
    for (const e of sub.json("evse/st-1/event")) expectSchema(schemas, "event", e);
    await sub.waitFor(() => sub.on("evse/st-1/availability").some((r) => r.payload.toString() === "online"), "online");
    await sub.waitFor(() => sub.on("evse/st-1/status").length > 0, "status");
    expectSchema(schemas, "status", sub.json("evse/st-1/status")[0]);
    expectSchema(schemas, "availability", sub.on("evse/st-1/availability")[0]?.payload.toString());

    store.append(3);
    up.notify();
    await sub.waitFor(() => sub.on("evse/st-1/event").length >= 53, "3 more events");
    await waitUntil(() => store.outbox.size() === 0, "outbox emptied");
  });

  it("republishes status on change and sends telemetry from meter readings", async () => {
    await start();
    await sub.waitFor(() => sub.on("evse/st-1/status").length > 0, "first status");
    control.state = { ...control.state, status: "Charging", pilot: "C", offeredA: 16, contactorClosed: true, vehiclePresent: true };
    store.bus.emit("charge", control.state);
    store.bus.emit("session", {
      kind: "started",
      session: {
        id: "s-1",
        pluggedAt: "2026-11-22T10:15:00Z",
        tokenId: null,
        pevId: null,
        startRegisterWh: 0,
        registerWh: 0,
        energyWh: 0,
        exportWh: 0,
        endedAt: null,
        stopReason: null,
      },
    });
    await sub.waitFor(
      () => sub.json<{ sessionId: string | null }>("evse/st-1/status").some((s) => s.sessionId === "s-1"),
      "status with session",
    );
    const last = sub.json("evse/st-1/status").at(-1);
    expectSchema(schemas, "status", last);
    expect(last).toMatchObject({ status: "Charging", pilot: "C", offeredA: 16, contactor: "closed", sessionId: "s-1" });

    store.bus.emit("meter", {
      at: Date.UTC(2026, 10, 22, 10, 15, 0, 450),
      reading: { importWh: 1234.4, exportWh: 0, powerW: 7360.2, voltageV: [230.04], currentA: [32.01] },
    });
    await sub.waitFor(() => sub.on("evse/st-1/telemetry").length > 0, "telemetry");
    const t = sub.json("evse/st-1/telemetry")[0];
    expectSchema(schemas, "telemetry", t);
    expect(t).toEqual({ ts: "2026-11-22T10:15:00Z", powerW: 7360, importWh: 1234, exportWh: 0, voltageV: [230], currentA: [32] });
    expect(sub.on("evse/st-1/telemetry")[0]?.qos).toBe(0);
  });

  it("answers commands and requests; reboot asks for a restart after answering", async () => {
    const up = await start();
    await sub.waitFor(() => sub.on("evse/st-1/status").length > 0, "connected");
    await sub.client.publishAsync("evse/st-1/cmd/setLimit", JSON.stringify({ cmdId: "c1", maxCurrentA: 10 }), { qos: 1 });
    await sub.waitFor(() => sub.on("evse/st-1/cmd/setLimit/result").length > 0, "setLimit result");
    const result = sub.json("evse/st-1/cmd/setLimit/result")[0];
    expectSchema(schemas, "command-result", result);
    expect(result).toMatchObject({ cmdId: "c1", status: "ok" });
    expect(control.calls).toEqual(["setLimit(operator,10)"]);

    await sub.client.publishAsync("evse/st-1/cmd/reboot", JSON.stringify({ cmdId: "c2" }), { qos: 1 });
    await sub.waitFor(() => sub.on("evse/st-1/cmd/reboot/result").length > 0, "reboot result");
    await sub.waitFor(() => restarts === 1, "restart requested");

    sub.client.on("message", (topic, payload) => {
      if (topic !== "evse/st-1/req/authorize") return;
      const req = JSON.parse(payload.toString()) as { reqId: string };
      void sub.client.publishAsync("evse/st-1/res/authorize", JSON.stringify({ reqId: "other" }));
      void sub.client.publishAsync("evse/st-1/res/authorize", JSON.stringify({ reqId: req.reqId, accepted: true }));
    });
    const answer = await up.requests.request("authorize", { tokenId: "04AABBCC" }, 20_000);
    expect(answer).toMatchObject({ accepted: true });
    expectSchema(schemas, "request", sub.json("evse/st-1/req/authorize")[0]);
    await expect(up.requests.request("bind", {}, 200)).rejects.toThrow(/no answer/);
  });

  it("on a low disk stops telemetry, keeps sending records and raises a storage event", async () => {
    store.append(5);
    await start({ diskLowMb: 64 }, async () => 1024 * 1024);
    await sub.waitFor(() => sub.json<{ kind: string }>("evse/st-1/event").some((e) => e.kind === "storage"), "storage event");
    const ev = sub.json<{ kind: string; seq: number }>("evse/st-1/event");
    expect(ev.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    expectSchema(schemas, "event", ev[5]);
    expect(ev[5]).toMatchObject({ kind: "storage", detail: { condition: "diskLow", raised: true, freeBytes: 1024 * 1024 } });
    for (let i = 0; i < 3; i++) {
      store.bus.emit("meter", { at: Date.now(), reading: { importWh: i, exportWh: 0, powerW: 1, voltageV: [230], currentA: [0] } });
      await sub.client.publishAsync("evse/st-1/probe", String(i));
      await sub.waitFor(() => sub.on("evse/st-1/probe").length > i, "probe");
    }
    store.append(1);
    uplink?.notify();
    await sub.waitFor(() => sub.on("evse/st-1/event").length >= 7, "record after disk low");
    expect(sub.on("evse/st-1/telemetry")).toEqual([]);
  });

  it("publishes Home Assistant discovery bound to the availability topic when enabled", async () => {
    await start({ homeAssistant: { enabled: true } });
    await sub.waitFor(() => sub.received.filter((r) => r.topic.startsWith("homeassistant/")).length >= 3, "discovery");
    const configs = sub.received.filter((r) => r.topic.startsWith("homeassistant/sensor/st-1/"));
    expect(configs.map((c) => c.topic).sort()).toEqual([
      "homeassistant/sensor/st-1/power/config",
      "homeassistant/sensor/st-1/session_energy/config",
      "homeassistant/sensor/st-1/status/config",
    ]);
    for (const c of configs) {
      expect(JSON.parse(c.payload.toString())).toMatchObject({ availability_topic: "evse/st-1/availability", payload_available: "online" });
    }
  });

  it("says offline (retained) when stopped", async () => {
    const up = await start();
    await sub.waitFor(() => sub.on("evse/st-1/status").length > 0, "connected");
    await up.stop();
    uplink = null;
    await sub.waitFor(() => sub.on("evse/st-1/availability").at(-1)?.payload.toString() === "offline", "offline");
    const late = await Subscriber.connect(broker.url, ["evse/st-1/availability"]);
    await late.waitFor(() => late.received.length > 0, "retained availability");
    expect(late.received[0]).toMatchObject({ retain: true });
    expect(late.received[0]?.payload.toString()).toBe("offline");
    await late.close();
  });
});
