import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startUplink, type Uplink } from "../../../src/services/uplink/index.js";
import { Mosquitto, mosquittoAvailable } from "../../helpers/mosquitto.js";
import { docSchemas, expectSchema, FakeControl, StationStore, Subscriber, testConfig } from "./fixture.js";

interface Result {
  cmdId: string | null;
  status: string;
  data?: Record<string, unknown>;
  error?: { code: string; message: string };
}
interface EventRec {
  kind: string;
  detail: Record<string, unknown>;
}

/** Commands over a real Mosquitto (MQTT 5): every bad command is answered, recorded and changes nothing. */
describe.skipIf(!mosquittoAvailable())("commands (Mosquitto)", () => {
  const schemas = docSchemas();
  let broker: Mosquitto;
  let store: StationStore;
  let control: FakeControl;
  let sub: Subscriber;
  let uplink: Uplink | null = null;
  let configFile: string;

  beforeAll(async () => {
    broker = await Mosquitto.create();
  });
  afterAll(async () => {
    await broker.dispose();
  });

  beforeEach(async () => {
    store = new StationStore();
    control = new FakeControl();
    configFile = join(store.dir, "evsed.yaml");
    writeFileSync(
      configFile,
      `stationId: st-1\ndataDir: ${store.dir}\nmqtt:\n  url: ${broker.url}\n  username: st-1\n  password: hunter2\n  reconnectMinMs: 100\n  reconnectMaxMs: 1000\n`,
    );
    sub = await Subscriber.connect(broker.url, ["evse/st-1/cmd/+/result", "evse/st-1/event"], { protocolVersion: 5 });
    await start();
  });

  afterEach(async () => {
    await uplink?.stop();
    uplink = null;
    await sub.close();
    store.dispose();
  });

  async function start(): Promise<void> {
    uplink = await startUplink({
      config: testConfig(store.dir, { url: broker.url, username: "st-1", password: "hunter2" }),
      ...store.uplinkDeps("st-1", control),
      requestRestart: () => {},
      configFile,
    });
    const probe = await Subscriber.connect(broker.url, ["evse/st-1/availability"]);
    await probe.waitFor(() => probe.received.some((r) => r.payload.toString() === "online"), "station online");
    await probe.close();
  }

  /** Send a raw payload to `cmd/<name>` and wait for the answer to it (the n-th on that result topic). */
  async function send(name: string, payload: string | Buffer): Promise<Result> {
    const topic = `evse/st-1/cmd/${name}/result`;
    const before = sub.on(topic).length;
    await sub.client.publishAsync(`evse/st-1/cmd/${name}`, payload, { qos: 1 });
    await sub.waitFor(() => sub.on(topic).length > before, `${name} result`);
    const result = sub.json<Result>(topic)[before] as Result;
    expectSchema(schemas, "command-result", result);
    return result;
  }

  async function expectRecorded(code: string): Promise<void> {
    await sub.waitFor(
      () => sub.json<EventRec>("evse/st-1/event").some((e) => e.kind === "security" && e.detail.code === code),
      `security event ${code}`,
    );
    for (const e of sub.json("evse/st-1/event")) expectSchema(schemas, "event", e);
  }

  async function expectRejected(name: string, payload: string | Buffer, code: string): Promise<Result> {
    const r = await send(name, payload);
    expect(r.status).toBe("rejected");
    expect(r.error?.code).toBe(code);
    await expectRecorded(code);
    expect(control.calls).toEqual([]);
    return r;
  }

  it("rejects malformed JSON", async () => {
    const r = await expectRejected("setLimit", '{"cmdId":"m1","maxCurrentA":', "malformed");
    expect(r.cmdId).toBe("m1");
  });

  it("rejects wrong types and unknown keys", async () => {
    const r = await expectRejected("setLimit", JSON.stringify({ cmdId: "t1", maxCurrentA: "ten" }), "invalid");
    expect(r.error?.message).toMatch(/maxCurrentA/);
    await expectRejected("setAvailability", JSON.stringify({ cmdId: "t2", availability: "Operative", extra: 1 }), "invalid");
    await expectRejected("setLimit", JSON.stringify({ maxCurrentA: 10 }), "invalid");
  });

  it("rejects a 10 MB payload before parsing it", async () => {
    const big = Buffer.alloc(10 * 1024 * 1024, 0x20);
    big.write('{"cmdId":"big-1","maxCurrentA":10,"pad":"', 0);
    big.write('"}', big.length - 2);
    const r = await expectRejected("setLimit", big, "tooLarge");
    expect(r.cmdId).toBe("big-1");
  });

  it("rejects an unknown command", async () => {
    await expectRejected("selfDestruct", JSON.stringify({ cmdId: "u1" }), "unknownCommand");
  });

  it("rejects a replayed cmdId, also after a restart", async () => {
    const ok = await send("setAvailability", JSON.stringify({ cmdId: "r1", availability: "Inoperative" }));
    expect(ok).toMatchObject({ cmdId: "r1", status: "ok", data: { status: "Unavailable" } });
    control.calls.length = 0;
    await expectRejected("setAvailability", JSON.stringify({ cmdId: "r1", availability: "Inoperative" }), "replayed");
    await uplink?.stop();
    store.reopen();
    await start();
    await expectRejected("setLimit", JSON.stringify({ cmdId: "r1", maxCurrentA: 6 }), "replayed");
  });

  it("rejects an expired command and honours one that is still valid", async () => {
    const past = new Date(Date.now() - 60_000).toISOString();
    await expectRejected("setLimit", JSON.stringify({ cmdId: "e1", maxCurrentA: 6, expiresAt: past }), "expired");
    const future = new Date(Date.now() + 600_000).toISOString();
    expect(await send("setLimit", JSON.stringify({ cmdId: "e2", maxCurrentA: 6, expiresAt: future }))).toMatchObject({ status: "ok" });
    expect(control.calls).toEqual(["setLimit(operator,6)"]);
  });

  it("start and stop check the station's state first", async () => {
    await expectRejected("stop", JSON.stringify({ cmdId: "s0" }), "refused");
    control.state = { ...control.state, available: false };
    await expectRejected("start", JSON.stringify({ cmdId: "s1" }), "refused");
    control.state = { ...control.state, available: true, vehiclePresent: true };
    expect(await send("start", JSON.stringify({ cmdId: "s2", tokenId: "04A1B2C3" }))).toMatchObject({ status: "ok" });
    expect(await send("stop", JSON.stringify({ cmdId: "s3" }))).toMatchObject({ status: "ok" });
    expect(control.calls).toEqual(["authorize(04A1B2C3,remote)", "stopCharging(Remote)"]);
  });

  it("getConfig redacts secrets; setConfig checks, persists and says whether a restart is needed", async () => {
    const got = await send("getConfig", JSON.stringify({ cmdId: "g1" }));
    expect(got.data).toMatchObject({ config: { stationId: "st-1", mqtt: { password: "[redacted]" } } });
    expect(JSON.stringify(got)).not.toContain("hunter2");

    const before = readFileSync(configFile, "utf8");
    await expectRejected("setConfig", JSON.stringify({ cmdId: "c1", patch: { mqtt: { telemetryIntervalS: 0 } } }), "invalid");
    await expectRejected("setConfig", JSON.stringify({ cmdId: "c2", patch: { nope: true } }), "invalid");
    expect(readFileSync(configFile, "utf8")).toBe(before);

    const live = await send("setConfig", JSON.stringify({ cmdId: "c3", patch: { mqtt: { telemetryIntervalS: 5 } } }));
    expect(live).toMatchObject({ status: "ok", data: { outcome: "applied", changed: ["mqtt.telemetryIntervalS"] } });
    expect(readFileSync(configFile, "utf8")).toMatch(/telemetryIntervalS: 5/);
    expect(readFileSync(configFile, "utf8")).toMatch(/password: hunter2/);

    const restart = await send("setConfig", JSON.stringify({ cmdId: "c4", patch: { charging: {}, premiseId: "P-77" } }));
    expect(restart).toMatchObject({ status: "ok", data: { outcome: "restartRequired", changed: ["premiseId"] } });
    await sub.waitFor(() => sub.json<EventRec>("evse/st-1/event").some((e) => e.kind === "config"), "config event");
  });
});
