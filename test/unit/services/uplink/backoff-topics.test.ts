import { describe, expect, it } from "vitest";
import { Backoff } from "../../../../src/services/uplink/backoff.js";
import { withoutCredentials } from "../../../../src/services/uplink/connection.js";
import { isoSeconds, parseInbound, Topics } from "../../../../src/services/uplink/topics.js";

describe("Backoff", () => {
  it("doubles from min to max with equal jitter and resets", () => {
    const low = new Backoff(1000, 8000, () => 0);
    expect([low.next(), low.next(), low.next(), low.next(), low.next()]).toEqual([500, 1000, 2000, 4000, 4000]);
    const high = new Backoff(1000, 8000, () => 1);
    expect([high.next(), high.next(), high.next(), high.next(), high.next()]).toEqual([1000, 2000, 4000, 8000, 8000]);
    high.reset();
    expect(high.next()).toBe(1000);
  });

  it("never overflows after many attempts", () => {
    const b = new Backoff(1000, 60000, () => 0.5);
    for (let i = 0; i < 200; i++) b.next();
    expect(b.next()).toBe(45000);
  });
});

describe("Topics", () => {
  const t = new Topics("evse", "st-1");
  it("builds and strips the station root", () => {
    expect(t.of("cmd/setLimit/result")).toBe("evse/st-1/cmd/setLimit/result");
    expect(t.suffix("evse/st-1/cmd/start")).toBe("cmd/start");
    expect(t.suffix("evse/st-2/cmd/start")).toBeNull();
    expect(t.subscriptions()).toEqual(["evse/st-1/cmd/+", "evse/st-1/res/+"]);
  });

  it("parses only single-level cmd and res topics", () => {
    expect(parseInbound("cmd/start")).toEqual({ kind: "cmd", name: "start" });
    expect(parseInbound("res/authorize")).toEqual({ kind: "res", name: "authorize" });
    expect(parseInbound("cmd/start/result")).toBeNull();
    expect(parseInbound("status")).toBeNull();
  });

  it("formats timestamps as ISO 8601 UTC seconds", () => {
    expect(isoSeconds(Date.UTC(2026, 10, 22, 10, 15, 0, 999))).toBe("2026-11-22T10:15:00Z");
  });
});

describe("withoutCredentials", () => {
  it("drops user info from URLs before they are logged", () => {
    expect(withoutCredentials("mqtts://station:s3cret@broker.example:8883")).toBe("mqtts://broker.example:8883");
    expect(withoutCredentials("mqtt://127.0.0.1:1883")).toBe("mqtt://127.0.0.1:1883");
  });
});
