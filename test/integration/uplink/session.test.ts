import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startEmbeddedBroker } from "../../../src/app/broker.js";
import { startUplink, type Uplink } from "../../../src/services/uplink/index.js";
import { Mosquitto, mosquittoAvailable } from "../../helpers/mosquitto.js";
import { FakeControl, StationStore, Subscriber, testConfig } from "./fixture.js";

/** Sessions: a broker that forgot the station's session gets its subscriptions again. */
describe.skipIf(!mosquittoAvailable())("broker session loss (Mosquitto without persistence)", () => {
  let broker: Mosquitto;
  let store: StationStore;
  let control: FakeControl;
  let uplink: Uplink;

  beforeEach(async () => {
    broker = await Mosquitto.create({ persistence: false });
    store = new StationStore();
    control = new FakeControl();
    uplink = await startUplink({
      config: testConfig(store.dir, { url: broker.url, protocolVersion: 4 }),
      ...store.uplinkDeps("st-1", control),
      requestRestart: () => {},
    });
  });

  afterEach(async () => {
    await uplink.stop();
    await broker.dispose();
    store.dispose();
  });

  async function commandRoundTrip(cmdId: string): Promise<void> {
    const sub = await Subscriber.connect(broker.url, ["evse/st-1/availability", "evse/st-1/cmd/+/result"]);
    try {
      await sub.waitFor(() => sub.on("evse/st-1/availability").some((r) => r.payload.toString() === "online"), "online");
      await sub.client.publishAsync("evse/st-1/cmd/setLimit", JSON.stringify({ cmdId, maxCurrentA: 12 }), { qos: 1 });
      await sub.waitFor(() => sub.json<{ cmdId: string }>("evse/st-1/cmd/setLimit/result").some((r) => r.cmdId === cmdId), "result");
    } finally {
      await sub.close();
    }
  }

  it("re-subscribes after a broker restart that lost the session, and says online again", async () => {
    await commandRoundTrip("before");
    await broker.stop();
    await broker.start();
    await commandRoundTrip("after");
    expect(control.calls).toEqual(["setLimit(operator,12)", "setLimit(operator,12)"]);
  });
});

describe("embedded broker", () => {
  it("refuses a non-loopback address", async () => {
    const store = new StationStore();
    await expect(startEmbeddedBroker({ host: "0.0.0.0", port: 0, log: store.log })).rejects.toThrow(/loopback/);
    store.dispose();
  });
});
