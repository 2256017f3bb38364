import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { TObject } from "@sinclair/typebox";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import type { ChargeSnapshot } from "../../../../src/app/bus.js";
import type { StationControl } from "../../../../src/app/control.js";
import { type Config, ConfigSchema } from "../../../../src/config/schema.js";
import { createAjv, Validator } from "../../../../src/config/validate.js";
import { registerConfigCommands } from "../../../../src/services/uplink/commands/config.js";
import { CommandRegistry } from "../../../../src/services/uplink/commands/registry.js";
import { registerStationCommands } from "../../../../src/services/uplink/commands/station.js";

/**
 * The command schemas in docs/schemas are the code's schemas, byte for byte. After changing a command,
 * regenerate them with `UPDATE_SCHEMAS=1 npx vitest run test/unit/services/uplink/docs-schemas.test.ts`.
 */
const DIR = join(import.meta.dirname, "../../../../docs/schemas");

function builtinRegistry(): CommandRegistry {
  const registry = new CommandRegistry();
  const control: StationControl = {
    snapshot: () => ({}) as ChargeSnapshot,
    authorize: () => {},
    stopCharging: () => {},
    setLimit: () => {},
    setAvailability: () => {},
    clearFaults: () => {},
  };
  registerStationCommands(registry, control, () => {});
  const config: Config = new Validator(ConfigSchema).check({}, "defaults");
  registerConfigCommands(registry, { current: () => config });
  return registry;
}

function documented(name: string, schema: TObject): object {
  return {
    $schema: "http://json-schema.org/draft-07/schema#",
    $id: `https://evsed.dev/schemas/command-${name}.schema.json`,
    ...(JSON.parse(JSON.stringify(schema)) as object),
  };
}

describe("docs/schemas command payloads", () => {
  const registry = builtinRegistry();
  for (const name of registry.names()) {
    it(`command-${name}.schema.json matches the code`, () => {
      const file = join(DIR, `command-${name}.schema.json`);
      const expected = documented(name, registry.get(name)?.schema as TObject);
      if (process.env.UPDATE_SCHEMAS === "1") writeFileSync(file, `${JSON.stringify(expected, null, 2)}\n`);
      expect(existsSync(file)).toBe(true);
      expect(JSON.parse(readFileSync(file, "utf8"))).toEqual(expected);
    });
  }

  it("every schema file compiles", () => {
    const ajv = createAjv();
    for (const f of ["availability", "status", "telemetry", "session", "interval", "event", "command-result", "request", "response"]) {
      expect(() => ajv.compile(JSON.parse(readFileSync(join(DIR, `${f}.schema.json`), "utf8")) as object)).not.toThrow();
    }
  });

  it("asyncapi.yaml is AsyncAPI 3.0 whose references all resolve", () => {
    const doc = parse(readFileSync(join(DIR, "../asyncapi.yaml"), "utf8")) as Record<string, unknown>;
    expect(doc.asyncapi).toBe("3.0.0");
    const refs: string[] = [];
    const walk = (v: unknown): void => {
      if (Array.isArray(v)) v.forEach(walk);
      else if (typeof v === "object" && v !== null) {
        for (const [k, x] of Object.entries(v))
          if (k === "$ref" && typeof x === "string") refs.push(x);
          else walk(x);
      }
    };
    walk(doc);
    for (const ref of refs) {
      if (ref.startsWith("./")) {
        expect(existsSync(join(DIR, "..", ref)), ref).toBe(true);
        continue;
      }
      let node: unknown = doc;
      for (const part of ref.replace(/^#\//, "").split("/")) node = (node as Record<string, unknown> | undefined)?.[part];
      expect(node, ref).toBeDefined();
    }
    const channels = Object.keys(doc.channels as object);
    for (const name of builtinRegistry().names()) expect(channels).toContain(`cmd_${name}`);
    // Every command documented by a schema file (metering, authorization, …) has its channel too.
    const documentedCommands = readdirSync(DIR)
      .filter((f) => f.startsWith("command-") && f !== "command-result.schema.json")
      .map((f) => f.slice("command-".length, -".schema.json".length));
    for (const name of documentedCommands) expect(channels, name).toContain(`cmd_${name}`);
  });
});
