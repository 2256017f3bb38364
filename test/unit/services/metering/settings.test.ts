import { describe, expect, it } from "vitest";
import { ConfigSchema } from "../../../../src/config/schema.js";
import { Validator } from "../../../../src/config/validate.js";
import { MeteringSettings } from "../../../../src/services/metering/settings.js";
import { openDb } from "../../../../src/store/db.js";
import { MetaRepo } from "../../../../src/store/meta-repo.js";

const T = Date.UTC(2026, 11, 3, 10, 0, 0);
const MIN = 60_000;

function setup() {
  const meta = new MetaRepo(openDb(":memory:").db);
  const config = new Validator(ConfigSchema).check({ metering: { intervalS: 900 } }, "test");
  return { meta, settings: () => new MeteringSettings(config, meta) };
}

describe("MeteringSettings interval length", () => {
  it("is the configured length until a change, and a change applies only from its boundary on", () => {
    const { settings } = setup();
    const s = settings();
    expect(s.intervalS(T)).toBe(900);
    s.setIntervalS(300, T + 15 * MIN, T + 5 * MIN);
    expect(s.intervalS(T)).toBe(900);
    expect(s.intervalS(T + 15 * MIN - 1)).toBe(900);
    expect(s.intervalS(T + 15 * MIN)).toBe(300);
    expect(s.intervalS()).toBe(300);
  });

  it("survives a restart (kept in the station's database), and a second change keeps the length in force now", () => {
    const { settings } = setup();
    settings().setIntervalS(300, T + 15 * MIN, T + 5 * MIN);
    const again = settings();
    expect(again.intervalS(T + 15 * MIN)).toBe(300);
    again.setIntervalS(3600, T + 60 * MIN, T + 50 * MIN);
    expect(again.intervalS(T + 45 * MIN)).toBe(300);
    expect(again.intervalS(T + 60 * MIN)).toBe(3600);
  });

  it("reads a bare length stored by earlier builds as in force at once, and ignores a value it cannot read", () => {
    const { meta, settings } = setup();
    meta.set("metering.intervalS", "600");
    expect(settings().intervalS(0)).toBe(600);
    meta.set("metering.intervalS", "{not json");
    expect(settings().intervalS(T)).toBe(900);
    meta.set("metering.intervalS", JSON.stringify({ s: 120, fromMs: 0, before: 900 }));
    expect(settings().intervalS(T)).toBe(900);
  });
});
