import { afterEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../../drivers/clock/manual.js";
import type { IntervalRow } from "../../../src/store/intervals-repo.js";
import { expectLedgerExact, expectPayloadsValid, type MeteringStation, MIN, startMeteringStation } from "./harness.js";

let st: MeteringStation | null = null;
afterEach(async () => {
  await st?.stop();
  st = null;
});

const flagsOf = (r: IntervalRow) => JSON.parse(r.flags) as string[];
const IDLE = { metering: { intervalS: 900, idleIntervals: true } };

/** Bump the sim meter's import register by `wh` (standby use while no session is open). */
function standby(s: MeteringStation, wh: number): void {
  const [last] = s.query<IntervalRow>("SELECT * FROM intervals ORDER BY seq DESC LIMIT 1");
  if (!last) throw new Error("no interval yet");
  s.world.act({ action: "meter", importWh: last.end_register_wh + wh });
}

/** Every interval once per (session, start), and in write order a chain of registers without gap or overlap. */
function expectChain(s: MeteringStation): IntervalRow[] {
  const rows = s.query<IntervalRow>("SELECT * FROM intervals ORDER BY seq");
  const keys = rows.map((r) => `${r.session_id ?? ""}|${r.start}`);
  expect(new Set(keys).size).toBe(rows.length);
  for (let i = 1; i < rows.length; i++) {
    const prev = rows[i - 1] as IntervalRow;
    const cur = rows[i] as IntervalRow;
    expect(cur.start_register_wh, cur.start).toBe(prev.end_register_wh);
    expect(cur.start_ms, cur.start).toBeGreaterThanOrEqual(prev.start_ms);
  }
  const first = rows[0] as IntervalRow;
  const last = rows.at(-1) as IntervalRow;
  expect(rows.reduce((a, r) => a + r.import_wh, 0)).toBe(last.end_register_wh - first.start_register_wh);
  expect(rows.every((r) => r.import_wh >= 0 && r.duration_s > 0)).toBe(true);
  return rows;
}

describe("idle intervals (metering.idleIntervals)", () => {
  it("idle → session → idle: idle and session Wh add up exactly to the register difference, no overlap or duplicate", async () => {
    const clock = new ManualClock({ wallMs: Date.UTC(2026, 10, 23, 10, 2, 0) });
    st = await startMeteringStation({ clock, config: IDLE });
    await st.advance(18 * MIN); // 10:20: the idle 10:00 interval has closed
    standby(st, 37);
    await st.advance(11 * MIN); // 10:31
    await st.plugAndCharge(16);
    await st.advance(40 * MIN); // ≈ 11:11
    st.world.act({ action: "unplug" });
    await st.advance(20 * MIN); // ≈ 11:31
    standby(st, 5);
    await st.advance(35 * MIN); // ≈ 12:06

    const [session] = st.sessions();
    if (!session) throw new Error("no session");
    const sessionRows = expectLedgerExact(st, session);
    const rows = expectChain(st);
    const idle = rows.filter((r) => r.session_id === null);
    expect(idle.every((r) => flagsOf(r).includes("idle") && r.pev_id === null)).toBe(true);
    expect(sessionRows.every((r) => !flagsOf(r).includes("idle"))).toBe(true);
    expect(idle.map((r) => r.start.slice(11, 16))).toEqual(["10:00", "10:15", "10:30", "11:00", "11:15", "11:30", "11:45"]);
    expect(idle.find((r) => r.start.endsWith("10:15:00Z"))?.import_wh).toBe(37);
    expect(idle.find((r) => r.start.endsWith("11:30:00Z"))?.import_wh).toBe(5);
    // The idle interval in progress at plug-in closes at the session's start register; idle resumes from the stop register.
    const handover = idle.find((r) => r.start.endsWith("10:30:00Z")) as IntervalRow;
    expect(handover.end_register_wh).toBe(session.start_register_wh);
    expect(sessionRows[0]?.start).toBe("2026-11-23T10:30:00Z");
    const resumed = idle.find((r) => r.start.endsWith("11:00:00Z")) as IntervalRow;
    expect(resumed.start_register_wh).toBe(session.stop_register_wh);
    expect(session.energy_wh).toBeGreaterThan(1000);

    expectPayloadsValid(st);
    const records = st.records<{ sessionId: string | null; flags: string[]; seq: number }>("interval");
    expect(records).toHaveLength(rows.length);
    const idleRecords = records.filter((r) => r.sessionId === null);
    expect(idleRecords.map((r) => r.seq)).toEqual(idle.map((r) => r.seq));
    expect(idleRecords.every((r) => r.flags.includes("idle"))).toBe(true);
  }, 60_000);

  it("a session within one clock interval: the resumed idle interval never reuses a stamp", async () => {
    const clock = new ManualClock({ wallMs: Date.UTC(2026, 10, 23, 10, 2, 0) });
    st = await startMeteringStation({ clock, config: IDLE });
    await st.advance(29 * MIN); // 10:31
    await st.plugAndCharge(16);
    await st.advance(5 * MIN); // ≈ 10:36
    st.world.act({ action: "unplug" });
    await st.advance(30 * MIN); // ≈ 11:06
    const [session] = st.sessions();
    if (!session) throw new Error("no session");
    const sessionRows = expectLedgerExact(st, session);
    expect(sessionRows.map((r) => r.start.slice(11, 16))).toEqual(["10:30"]);
    const idle = expectChain(st).filter((r) => r.session_id === null);
    // The stretch after the unplug (10:36–11:00) goes to the next idle interval: 10:30 is already stamped.
    expect(idle.map((r) => r.start.slice(11, 16))).toEqual(["10:00", "10:15", "10:30", "10:45"]);
    expect(idle.every((r) => flagsOf(r).includes("idle"))).toBe(true);
    expectPayloadsValid(st);
  }, 60_000);

  it("resumes the idle cursor after a restart: no interval missing or written twice", async () => {
    const clock = new ManualClock({ wallMs: Date.UTC(2026, 10, 23, 10, 2, 0) });
    st = await startMeteringStation({ clock, config: IDLE });
    await st.advance(18 * MIN); // 10:20
    standby(st, 12);
    await st.advance(2 * MIN);
    const dir = st.dir;
    await st.stop();
    st = null;
    clock.advance(3 * MIN); // down 10:22 – 10:25
    st = await startMeteringStation({ clock, config: IDLE, dir });
    await st.advance(40 * MIN); // 11:05
    const rows = expectChain(st);
    expect(rows.map((r) => r.start.slice(11, 16))).toEqual(["10:00", "10:15", "10:30", "10:45"]);
    expect(rows.every((r) => r.session_id === null && flagsOf(r).includes("idle"))).toBe(true);
    expect(rows[1]?.import_wh).toBe(12);
    expectPayloadsValid(st);
  }, 60_000);

  it("is off by default: no interval without a session", async () => {
    const clock = new ManualClock({ wallMs: Date.UTC(2026, 10, 23, 10, 2, 0) });
    st = await startMeteringStation({ clock, config: { metering: { intervalS: 900 } } });
    await st.advance(29 * MIN);
    expect(st.intervals()).toHaveLength(0);
    await st.plugAndCharge(16);
    await st.advance(40 * MIN);
    st.world.act({ action: "unplug" });
    await st.advance(40 * MIN);
    const [session] = st.sessions();
    if (!session) throw new Error("no session");
    const rows = expectLedgerExact(st, session);
    expect(st.intervals()).toHaveLength(rows.length);
    expect(st.intervals().every((r) => r.session_id === session.id && !flagsOf(r).includes("idle"))).toBe(true);
    expect(st.query("SELECT * FROM meta WHERE key = 'metering.idleCursor'")).toHaveLength(0);
    expectPayloadsValid(st);
  }, 60_000);
});
