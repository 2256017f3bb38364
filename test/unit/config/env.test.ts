import { describe, expect, it } from "vitest";
import { applyEnvOverrides } from "../../../src/config/env.js";
import { loadConfig } from "../../../src/config/load.js";
import { InputError } from "../../../src/config/validate.js";

describe("EVSED_* environment overrides", () => {
  it("maps SCREAMING_SNAKE with __ levels onto camelCase keys", () => {
    const { value, applied } = applyEnvOverrides(
      { charging: { maxCurrentA: 32 } },
      {
        EVSED_STATION_ID: "cp-17",
        EVSED_CHARGING__MAX_CURRENT_A: "16",
        EVSED_MQTT__URL: "mqtts://broker:8883",
        EVSED_CONFIG: "/etc/evsed/evsed.yaml",
        OTHER: "x",
      },
    );
    expect(value).toEqual({ stationId: "cp-17", charging: { maxCurrentA: "16" }, mqtt: { url: "mqtts://broker:8883" } });
    expect(applied).toEqual(["EVSED_CHARGING__MAX_CURRENT_A", "EVSED_MQTT__URL", "EVSED_STATION_ID"]);
  });

  it("coerces scalars to the schema's types and keeps leading zeros of identifiers", () => {
    const { config } = loadConfig({
      env: { EVSED_STATION_ID: "0042", EVSED_CHARGING__MAX_CURRENT_A: "16", EVSED_AUTHORIZATION__FREE_VEND: "true" },
    });
    expect(config.stationId).toBe("0042");
    expect(config.charging.maxCurrentA).toBe(16);
    expect(config.authorization.freeVend).toBe(true);
  });

  it("parses JSON arrays", () => {
    const { config } = loadConfig({ env: { EVSED_AUTHORIZATION__TEST_TOKENS: '["04A1B2C3D4","DEADBEEF"]' } });
    expect(config.authorization.testTokens).toEqual(["04A1B2C3D4", "DEADBEEF"]);
  });

  it("names the variable in the error when an override is invalid", () => {
    try {
      loadConfig({ env: { EVSED_CHARGING__MAX_CURRENT_A: "200" } });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(InputError);
      expect((err as InputError).source).toContain("EVSED_CHARGING__MAX_CURRENT_A");
      expect((err as InputError).path).toBe("/charging/maxCurrentA");
    }
  });

  it("fills every default when there is no file", () => {
    const { config, file } = loadConfig({ env: {} });
    expect(file).toBeNull();
    expect(config).toMatchObject({ stationId: "sim-0001", board: "boards/sim.json", dataDir: "./var", charging: { maxCurrentA: 32 } });
  });
});
