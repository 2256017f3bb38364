import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import mqtt from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startUplink, type Uplink } from "../../../src/services/uplink/index.js";
import { opensslAvailable, TestPki } from "../../helpers/certs.js";
import { Mosquitto, mosquittoAvailable } from "../../helpers/mosquitto.js";
import { FakeControl, StationStore, Subscriber, testConfig } from "./fixture.js";

const ACL = [
  "# each station: its own subtree only",
  "pattern write evse/%u/#",
  "pattern read evse/%u/cmd/+",
  "pattern read evse/%u/res/+",
  "user utility",
  "topic readwrite evse/#",
  "",
].join("\n");

/**
 * Mutual TLS with a per-station ACL: the certificate's CN is the MQTT user name, and a pattern ACL
 * confines each station to `evse/<CN>/…`. Certificates are made by the test with openssl.
 */
describe.skipIf(!mosquittoAvailable() || !opensslAvailable())("mutual TLS and per-station ACL (Mosquitto)", () => {
  let pki: TestPki;
  let broker: Mosquitto;
  let url: string;
  const stores: StationStore[] = [];
  const uplinks: Uplink[] = [];
  const controls = new Map<string, FakeControl>();
  let utility: Subscriber;

  function tlsFor(cn: string): { ca: Buffer; cert: Buffer; key: Buffer } {
    const c = pki.client(cn);
    return { ca: readFileSync(pki.ca), cert: readFileSync(c.cert), key: readFileSync(c.key) };
  }

  async function station(id: string): Promise<void> {
    const store = new StationStore();
    stores.push(store);
    const cert = pki.client(id);
    const control = new FakeControl();
    controls.set(id, control);
    uplinks.push(
      await startUplink({
        config: testConfig(store.dir, { url, tls: { ca: pki.ca, cert: cert.cert, key: cert.key } }, id),
        ...store.uplinkDeps(id, control),
        requestRestart: () => {},
      }),
    );
  }

  beforeAll(async () => {
    pki = TestPki.create();
    const server = pki.server();
    const aclFile = join(pki.dir, "acl");
    writeFileSync(aclFile, ACL);
    broker = await Mosquitto.create({
      allowAnonymous: false,
      listener: [
        `cafile ${pki.ca}`,
        `certfile ${server.cert}`,
        `keyfile ${server.key}`,
        "require_certificate true",
        "use_identity_as_username true",
        `acl_file ${aclFile}`,
      ],
    });
    url = `mqtts://127.0.0.1:${broker.port}`;
    utility = await Subscriber.connect(url, ["evse/#", "other/#"], { ...tlsFor("utility"), protocolVersion: 5 });
    await station("st-1");
    await station("st-2");
    await utility.waitFor(
      () => ["st-1", "st-2"].every((s) => utility.on(`evse/${s}/availability`).some((r) => r.payload.toString() === "online")),
      "both stations online",
    );
  });

  afterAll(async () => {
    for (const u of uplinks) await u.stop();
    await utility?.close();
    await broker?.dispose();
    for (const s of stores) s.dispose();
    pki?.dispose();
  });

  it("connects a station by its certificate and delivers what it publishes", async () => {
    await utility.waitFor(() => utility.on("evse/st-1/status").length > 0, "st-1 status");
    stores[0]?.append(3);
    uplinks[0]?.notify();
    await utility.waitFor(() => utility.on("evse/st-1/event").length >= 3, "st-1 events");
  });

  it("refuses a client without a certificate", async () => {
    const err = await mqtt
      .connectAsync(url, { ca: readFileSync(pki.ca), reconnectPeriod: 0, connectTimeout: 10_000 })
      .then(async (c) => {
        await c.endAsync(true);
        return null;
      })
      .catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
  });

  it("does not let a station publish outside its own subtree", async () => {
    const rogue = await mqtt.connectAsync(url, { ...tlsFor("st-1"), clientId: "st-1-rogue", protocolVersion: 5, reconnectPeriod: 0 });
    try {
      await rogue.publishAsync("evse/st-2/status", "forged", { qos: 1 }).catch(() => undefined);
      await rogue
        .publishAsync("evse/st-2/cmd/setLimit", JSON.stringify({ cmdId: "x1", maxCurrentA: 0 }), { qos: 1 })
        .catch(() => undefined);
      await rogue.publishAsync("other/topic", "forged", { qos: 1 }).catch(() => undefined);
      await rogue.publishAsync("evse/st-1/sentinel", "last", { qos: 1 });
      await utility.waitFor(() => utility.on("evse/st-1/sentinel").length > 0, "sentinel");
      expect(utility.received.filter((r) => r.payload.toString() === "forged")).toEqual([]);
      expect(utility.on("evse/st-2/cmd/setLimit")).toEqual([]);
    } finally {
      await rogue.endAsync(true);
    }
    expect(controls.get("st-2")?.calls).toEqual([]);
  });

  it("does not let a station read another station's commands, even when it subscribes to them", async () => {
    const rogue = await mqtt.connectAsync(url, { ...tlsFor("st-1"), clientId: "st-1-reader", protocolVersion: 5, reconnectPeriod: 0 });
    const seen: string[] = [];
    rogue.on("message", (topic) => seen.push(topic));
    try {
      await rogue.subscribeAsync(["evse/st-2/cmd/+", "evse/st-1/cmd/+"], { qos: 1 });
      await utility.client.publishAsync("evse/st-2/cmd/probe", JSON.stringify({ cmdId: "p2" }), { qos: 1 });
      await utility.client.publishAsync("evse/st-1/cmd/probe", JSON.stringify({ cmdId: "p1" }), { qos: 1 });
      await utility.waitFor(() => utility.on("evse/st-1/cmd/probe/result").length > 0, "st-1 answered its probe");
      await new Promise<void>((resolve) => {
        const check = (): void => (seen.includes("evse/st-1/cmd/probe") ? resolve() : void rogue.once("message", check));
        check();
      });
      expect(seen).toEqual(["evse/st-1/cmd/probe"]);
    } finally {
      await rogue.endAsync(true);
    }
  });

  it("never delivers another station's commands", async () => {
    await utility.client.publishAsync("evse/st-2/cmd/setLimit", JSON.stringify({ cmdId: "for-2", maxCurrentA: 8 }), { qos: 1 });
    await utility.waitFor(() => utility.on("evse/st-2/cmd/setLimit/result").length > 0, "st-2 result");
    await utility.client.publishAsync("evse/st-1/cmd/setLimit", JSON.stringify({ cmdId: "for-1", maxCurrentA: 10 }), { qos: 1 });
    await utility.waitFor(() => utility.on("evse/st-1/cmd/setLimit/result").length > 0, "st-1 result");
    expect(controls.get("st-1")?.calls).toEqual(["setLimit(operator,10)"]);
    expect(controls.get("st-2")?.calls).toEqual(["setLimit(operator,8)"]);
  });
});
