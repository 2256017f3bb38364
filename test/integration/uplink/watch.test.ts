import { PassThrough } from "node:stream";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type EmbeddedBroker, startEmbeddedBroker } from "../../../src/app/broker.js";
import { describe as describeMessage, toWatched, watch } from "../../../src/cli/watch.js";
import { StationStore, Subscriber } from "./fixture.js";

describe("evsed watch", () => {
  let broker: EmbeddedBroker;
  let store: StationStore;

  beforeEach(async () => {
    store = new StationStore();
    broker = await startEmbeddedBroker({ host: "127.0.0.1", port: 0, log: store.log });
  });
  afterEach(async () => {
    await broker.stop();
    store.dispose();
  });

  it("prints one JSON line per message of the chosen station", async () => {
    const out = new PassThrough();
    const lines: string[] = [];
    out.on("data", (d: Buffer) => lines.push(...d.toString().split("\n").filter(Boolean)));
    const controller = new AbortController();
    const producer = await Subscriber.connect(broker.url, ["evse/st-1/availability"]);
    await producer.client.publishAsync("evse/st-1/availability", "online", { qos: 1, retain: true });
    const running = watch({ url: broker.url, prefix: "evse", station: "st-1", json: true, out, signal: controller.signal });
    await producer.waitFor(() => producer.received.length > 0, "availability echo");
    const seen = (): boolean => lines.some((l) => l.includes('"kind":"status"'));
    for (let i = 0; !seen() && i < 200; i++) {
      await producer.client.publishAsync("evse/st-2/status", JSON.stringify({ other: true }), { qos: 1 });
      await producer.client.publishAsync("evse/st-1/status", JSON.stringify({ status: "Available", pilot: "A" }), { qos: 1 });
      await new Promise((r) => setImmediate(r));
    }
    controller.abort();
    await running;
    await producer.close();
    const parsed = lines.map((l) => JSON.parse(l) as { station: string; kind: string; payload: unknown });
    expect(parsed.every((m) => m.station === "st-1")).toBe(true);
    expect(parsed.find((m) => m.kind === "availability")).toMatchObject({ payload: "online" });
    expect(parsed.find((m) => m.kind === "status")).toMatchObject({ payload: { status: "Available" } });
  });

  it("describes messages for a person", () => {
    const line = (topic: string, payload: unknown) =>
      describeMessage(
        toWatched("evse", topic, Buffer.from(typeof payload === "string" ? payload : JSON.stringify(payload)), false) as never,
      );
    expect(line("evse/st-1/availability", "offline")).toBe("st-1 availability: offline");
    expect(line("evse/st-1/event", { seq: 4, ts: "2026-11-22T10:15:00Z", kind: "boot", detail: {} })).toBe(
      "st-1 event: #4 boot {} @ 2026-11-22T10:15:00Z",
    );
    expect(line("evse/st-1/cmd/x/result", { cmdId: "c", status: "rejected", error: { code: "unknownCommand", message: "m" } })).toBe(
      "st-1 cmd/x/result: c rejected unknownCommand: m",
    );
    expect(toWatched("evse", "other/st-1/status", Buffer.from("{}"), false)).toBeNull();
  });
});
