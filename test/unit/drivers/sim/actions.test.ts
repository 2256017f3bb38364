import { describe, expect, it } from "vitest";
import { parseSimAction, SIM_ACTION_NAMES } from "../../../../drivers/sim/index.js";

describe("sim actions over MQTT", () => {
  it("accepts each action by name with its arguments as the payload", () => {
    expect(parseSimAction("plug", undefined, "evse/st1/sim/plug")).toEqual({ action: "plug" });
    expect(parseSimAction("draw", { amps: 16 }, "evse/st1/sim/draw")).toEqual({ action: "draw", amps: 16 });
    expect(parseSimAction("weld", { on: true }, "evse/st1/sim/weld")).toEqual({ action: "weld", on: true });
    expect(SIM_ACTION_NAMES).toContain("meterOffline");
  });

  it.each([
    ["jump", {}, /evse\/st1\/sim: \/: unknown action/],
    ["draw", { amps: "16" }, /\/amps: must be number/],
    ["token", { id: "04 A1" }, /\/id: must match pattern/],
    ["plug", { now: true }, /unknown key 'now'/],
    ["short", [true], /payload must be a JSON object/],
  ])("rejects %s %j with the source, path and problem", (name, payload, message) => {
    expect(() => parseSimAction(name, payload, "evse/st1/sim")).toThrow(message);
  });
});
