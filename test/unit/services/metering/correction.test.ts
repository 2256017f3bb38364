import { describe, expect, it } from "vitest";
import { ManualClock } from "../../../../drivers/clock/manual.js";
import { silentLogger } from "../../../../src/app/log.js";
import { ConfigSchema } from "../../../../src/config/schema.js";
import { Validator } from "../../../../src/config/validate.js";
import { CLOCK_CORRECTED, MAX_REMEMBERED, PreSyncCorrection } from "../../../../src/services/metering/correction.js";
import { MeteringSettings } from "../../../../src/services/metering/settings.js";
import { buildSdr, sdrContext } from "../../../../src/services/metering/records.js";
import { IntervalWriter } from "../../../../src/services/metering/writer.js";
import { openDb } from "../../../../src/store/db.js";
import { IntervalsRepo } from "../../../../src/store/intervals-repo.js";
import { MetaRepo } from "../../../../src/store/meta-repo.js";
import { Outbox } from "../../../../src/store/outbox.js";
import { type SessionRow, SessionsRepo } from "../../../../src/store/sessions-repo.js";
import { isoSeconds } from "../../../../src/core/time.js";

const SYNC = Date.UTC(2026, 10, 23, 10, 7, 0);

function setup(clock: ManualClock) {
  const db = openDb(":memory:").db;
  const sessions = new SessionsRepo(db);
  const repo = new IntervalsRepo(db);
  const outbox = new Outbox(db);
  const settings = new MeteringSettings(new Validator(ConfigSchema).check({ premiseId: "P-1" }, "test"), new MetaRepo(db));
  const corrected: SessionRow[] = [];
  const correction = new PreSyncCorrection({
    repo,
    sessions,
    settings,
    clock,
    log: silentLogger(),
    writer: new IntervalWriter({ repo, outbox, settings, stationId: "st-1", now: () => clock.now() }),
    sdr: (row, intervals, cursor) => buildSdr(row, intervals, cursor, sdrContext(settings, "st-1")),
    recordCorrected: (row) => corrected.push(row),
  });
  /** A session plugged in now, stamped as the ledger does. */
  const plug = (id: string) => {
    const at = clock.now();
    sessions.insert({
      id,
      station_id: "st-1",
      plugged_at: isoSeconds(at),
      start_register_wh: 0,
      start_export_wh: 0,
      flags: ["clockUnsynced"],
    });
    correction.stamp(id, "plugged_at", at);
    sessions.close({
      id,
      ended_at: isoSeconds(at),
      stop_register_wh: 0,
      stop_export_wh: 0,
      energy_wh: 0,
      export_wh: 0,
      stop_reason: "Local",
      flags: [],
    });
  };
  return { db, sessions, correction, corrected, plug, transact: (fn: () => void) => db.transaction(fn)() };
}

describe("PreSyncCorrection", () => {
  it("is inactive when the clock is synchronized at start", () => {
    const clock = new ManualClock({ wallMs: SYNC });
    const { correction, plug, transact, corrected } = setup(clock);
    expect(correction.pending()).toBe(false);
    plug("a");
    expect(correction.apply(transact).sessions).toBe(0);
    expect(corrected).toHaveLength(0);
  });

  it("re-stamps from the monotonic instant, whatever steps the unsynchronized clock took before the sync", () => {
    const clock = new ManualClock({ wallMs: 10_000, synced: false });
    const { correction, plug, transact, sessions } = setup(clock);
    clock.advance(60_000);
    const monoAtPlug = clock.monotonic();
    plug("a");
    clock.setWall(clock.now() + 3_600_000); // an unsynchronized step (an RTC or fake-hwclock)
    clock.advance(120_000);
    clock.setWall(SYNC, true);
    const result = correction.apply(transact);
    expect(result).toMatchObject({ sessions: 1 });
    expect(result.replugged.has("a")).toBe(true);
    const row = sessions.get("a") as SessionRow;
    expect(row.plugged_at).toBe(isoSeconds(monoAtPlug + SYNC - clock.monotonic()));
    expect(JSON.parse(row.flags)).toEqual(expect.arrayContaining(["clockUnsynced", CLOCK_CORRECTED]));
    expect(correction.pending()).toBe(false);
  });

  it(`remembers at most ${MAX_REMEMBERED} sessions while the clock never syncs: the oldest stay uncorrected`, () => {
    const clock = new ManualClock({ wallMs: 10_000, synced: false });
    const { correction, plug, transact, sessions } = setup(clock);
    const n = MAX_REMEMBERED + 20;
    for (let i = 0; i < n; i++) {
      plug(`s${i}`);
      clock.advance(60_000);
    }
    clock.setWall(SYNC, true);
    expect(correction.apply(transact).sessions).toBe(MAX_REMEMBERED);
    expect(sessions.get("s0")?.plugged_at.startsWith("1970")).toBe(true);
    expect(sessions.get(`s${n - 1}`)?.plugged_at.startsWith("2026")).toBe(true);
  });

  it("changes nothing when the correction fails: the transaction rolls back", () => {
    const clock = new ManualClock({ wallMs: 10_000, synced: false });
    const { correction, plug, sessions, db } = setup(clock);
    plug("a");
    clock.setWall(SYNC, true);
    const result = correction.apply((fn) =>
      db.transaction(() => {
        fn();
        throw new Error("disk full");
      })(),
    );
    expect(result.sessions).toBe(0);
    expect(sessions.get("a")?.plugged_at.startsWith("1970")).toBe(true);
  });
});
