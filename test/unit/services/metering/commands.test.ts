import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { TObject } from "@sinclair/typebox";
import { describe, expect, it } from "vitest";
import { ManualClock } from "../../../../drivers/clock/manual.js";
import { Bus } from "../../../../src/app/bus.js";
import { silentLogger } from "../../../../src/app/log.js";
import { ConfigSchema } from "../../../../src/config/schema.js";
import { InputError, Validator } from "../../../../src/config/validate.js";
import { EventRecorder } from "../../../../src/services/events.js";
import { MeteringChanges } from "../../../../src/services/metering/changes.js";
import { registerMeteringCommands } from "../../../../src/services/metering/commands.js";
import { MeteringService } from "../../../../src/services/metering/service.js";
import { MeteringSettings } from "../../../../src/services/metering/settings.js";
import { CommandRegistry, CommandRejected } from "../../../../src/services/uplink/commands/registry.js";
import { openDb } from "../../../../src/store/db.js";
import { IntervalsRepo } from "../../../../src/store/intervals-repo.js";
import { MetaRepo } from "../../../../src/store/meta-repo.js";
import { Outbox } from "../../../../src/store/outbox.js";
import { SessionsRepo } from "../../../../src/store/sessions-repo.js";

const DOCS = join(import.meta.dirname, "../../../../docs/schemas");

function setup() {
  const db = openDb(":memory:").db;
  const clock = new ManualClock({ wallMs: Date.UTC(2026, 10, 23, 10, 7, 0) });
  const bus = new Bus();
  const outbox = new Outbox(db);
  const events = new EventRecorder({ db, outbox, clock, bus, stationId: "st-1", notify: () => {} });
  const config = new Validator(ConfigSchema).check({ premiseId: "P-1" }, "test");
  const settings = new MeteringSettings(config, new MetaRepo(db));
  const metering = new MeteringService({
    db,
    repo: new IntervalsRepo(db),
    sessions: new SessionsRepo(db),
    outbox,
    events,
    bus,
    clock,
    log: silentLogger(),
    settings,
    stationId: "st-1",
    flagSession: () => {},
    recordCorrected: () => {},
    notify: () => {},
  });
  metering.start();
  const registry = new CommandRegistry();
  registerMeteringCommands(registry, new MeteringChanges({ settings, clock, events, openInterval: () => metering.openInterval() }));
  const run = (name: string, payload: Record<string, unknown>) => {
    const cmd = registry.get(name);
    if (!cmd) throw new Error(`no ${name}`);
    const { cmdId: _c, ...fields } = cmd.validator.check({ cmdId: "c-1", ...payload }, `cmd/${name}`);
    return cmd.handler(fields, { cmdId: "c-1", name, afterAnswer: () => {} });
  };
  return { db, clock, settings, registry, run, outboxSize: () => outbox.size() };
}

describe("metering commands", () => {
  it("documents each command's payload in docs/schemas (UPDATE_SCHEMAS=1 regenerates)", () => {
    const { registry } = setup();
    for (const name of ["setIntervalLength", "setTariff"]) {
      const file = join(DOCS, `command-${name}.schema.json`);
      const expected = {
        $schema: "http://json-schema.org/draft-07/schema#",
        $id: `https://evsed.dev/schemas/command-${name}.schema.json`,
        ...(JSON.parse(JSON.stringify(registry.get(name)?.schema as TObject)) as object),
      };
      if (process.env.UPDATE_SCHEMAS === "1") writeFileSync(file, `${JSON.stringify(expected, null, 2)}\n`);
      expect(existsSync(file)).toBe(true);
      expect(JSON.parse(readFileSync(file, "utf8"))).toEqual(expected);
    }
  });

  it("setIntervalLength: a length that does not divide a day is rejected naming the field, and changes nothing", () => {
    const { run, settings, outboxSize } = setup();
    expect(() => run("setIntervalLength", { intervalS: 120 })).toThrow(InputError);
    expect(() => run("setIntervalLength", { intervalS: 120 })).toThrow(/cmd\/setIntervalLength: \/intervalS/);
    expect(settings.intervalS()).toBe(900);
    expect(outboxSize()).toBe(0);
    // Nothing open: from the interval in progress.
    expect(run("setIntervalLength", { intervalS: 300 })).toEqual({ intervalS: 300, effectiveAt: "2026-11-23T10:00:00Z" });
    expect(settings.intervalS()).toBe(300);
    expect(outboxSize()).toBe(1);
  });

  it("setTariff: an unknown time zone or too many decimals is rejected naming the field, and changes nothing", () => {
    const { run, settings, outboxSize, clock } = setup();
    const tariff = { id: "T2", currency: "EUR", timeZone: "Europe/Berlin", basePrice: 11.5, periods: [] };
    expect(() => run("setTariff", { ...tariff, timeZone: "Europe/Atlantis" })).toThrow(CommandRejected);
    expect(() => run("setTariff", { ...tariff, timeZone: "Europe/Atlantis" })).toThrow(/cmd\/setTariff: \/timeZone: unknown time zone/);
    expect(() => run("setTariff", { ...tariff, basePrice: 1.00001 })).toThrow(/\/basePrice: at most four decimals/);
    expect(() => run("setTariff", { ...tariff, colour: "red" })).toThrow(/unknown key 'colour'/);
    expect(settings.tariffAt(clock.now()).spec.id).toBe("default");
    expect(outboxSize()).toBe(0);
    expect(run("setTariff", tariff)).toEqual({ tariffId: "T2", effectiveAt: "2026-11-23T10:00:00Z" });
    expect(settings.tariffAt(clock.now()).rate(clock.now())).toEqual({ period: "offPeak", priceE4: 115_000 });
    expect(settings.tariffAt(Date.UTC(2026, 10, 23, 10, 0, 0)).spec.id).toBe("T2");
    expect(settings.tariffAt(Date.UTC(2026, 10, 23, 10, 0, 0) - 1).spec.id).toBe("default");
  });
});
