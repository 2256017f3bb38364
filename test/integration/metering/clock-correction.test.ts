import { afterEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../../drivers/clock/manual.js";
import type { IntervalRow } from "../../../src/store/intervals-repo.js";
import type { SessionRow } from "../../../src/store/sessions-repo.js";
import {
  currentIntervalRecords,
  expectLedgerExact,
  expectPayloadsValid,
  type MeteringStation,
  MIN,
  S,
  startMeteringStation,
} from "./harness.js";

let st: MeteringStation | null = null;
afterEach(async () => {
  await st?.stop();
  st = null;
});

const SYNC = Date.UTC(2026, 10, 23, 10, 7, 0);
const flagsOf = (r: { flags: string }) => JSON.parse(r.flags) as string[];
const within = (iso: string | null | undefined, ms: number, tolMs = 2 * S) => Math.abs(Date.parse(iso ?? "") - ms) <= tolMs;

interface SessionRecord {
  seq: number;
  event: string;
  sessionId: string;
  pluggedAt: string;
  startedAt: string | null;
  endedAt: string | null;
  flags: string[];
  sdr?: Record<string, unknown>;
}

/** Plug in, charge `chargeMs`, unplug: returns the monotonic instants of plug-in and unplug. */
async function session(s: MeteringStation, chargeMs: number): Promise<{ plugMono: number; endMono: number }> {
  const plugMono = s.clock.monotonic();
  await s.plugAndCharge(16);
  await s.advance(chargeMs);
  const endMono = s.clock.monotonic();
  s.world.act({ action: "unplug" });
  await s.advance(5 * S);
  return { plugMono, endMono };
}

/** Synchronize the wall clock to SYNC and let a meter reading notice; returns the true time of a monotonic instant. */
async function sync(s: MeteringStation, wallMs = SYNC): Promise<(mono: number) => number> {
  s.clock.setWall(wallMs, true);
  const offset = s.clock.now() - s.clock.monotonic();
  await s.advance(3 * S);
  return (mono) => mono + offset;
}

/**
 * With idle intervals on, unsynchronized from `clock`'s start: 30 min idle (40 Wh of standby use), a
 * 25-min session, 5 min idle. Sets `st`; returns the register at start.
 */
async function idleSessionIdle(clock: ManualClock): Promise<{ s: MeteringStation; firstRegister: number }> {
  const s = await startMeteringStation({ clock, config: { metering: { intervalS: 900, idleIntervals: true } } });
  st = s;
  const firstRegister = s.world.meterReading().importWh;
  await s.advance(20 * MIN);
  s.world.act({ action: "meter", importWh: firstRegister + 40 });
  await s.advance(10 * MIN);
  await session(s, 25 * MIN);
  await s.advance(5 * MIN);
  return { s, firstRegister };
}

describe("correction at the clock's first synchronization", () => {
  it("a session that ended before the sync gets true times, its intervals are laid on the true grid and re-sent", async () => {
    st = await startMeteringStation({ clock: new ManualClock({ wallMs: 30 * S, synced: false }) });
    const { plugMono, endMono } = await session(st, 40 * MIN);
    const before = st.intervals();
    expect(before.length).toBeGreaterThan(1);
    expect(before.every((r) => r.start.startsWith("1970"))).toBe(true);
    const oldSeqs = before.map((r) => r.seq);
    await st.advance(10 * MIN);
    const trueAt = await sync(st);

    const [row] = st.sessions();
    if (!row) throw new Error("no session");
    expect(within(row.plugged_at, trueAt(plugMono))).toBe(true);
    expect(within(row.ended_at, trueAt(endMono), 7 * S)).toBe(true);
    expect(row.started_at?.startsWith("2026-11-23")).toBe(true);
    expect(flagsOf(row)).toEqual(expect.arrayContaining(["clockUnsynced", "clockCorrected"]));

    // Same energy, on the true grid, once each, no 1970 row left.
    const rows = expectLedgerExact(st, row);
    expect(rows.every((r) => r.start.startsWith("2026-11-23") && r.start_ms % (15 * MIN) === 0)).toBe(true);
    expect(rows.reduce((a, r) => a + r.import_wh, 0)).toBe(before.reduce((a, r) => a + r.import_wh, 0));
    expect(rows.reduce((a, r) => a + r.import_wh, 0)).toBe((row.stop_register_wh ?? 0) - (row.start_register_wh ?? 0));
    expect(rows[0]?.start_ms).toBe(Math.floor(trueAt(plugMono) / (15 * MIN)) * 15 * MIN);
    for (const r of rows) expect(flagsOf(r)).toEqual(expect.arrayContaining(["clockUnsynced", "clockCorrected"]));
    // Re-rated at the true time: every cost is the row's energy at its price.
    for (const r of rows) expect(r.cost_e7).toBe(r.import_wh * (r.price_e4 ?? 0) * 1000);

    // What the utility receives: the new records supersede exactly the old ones.
    const sent = st.records<{ seq: number; supersedes?: number[] }>("interval");
    const fresh = sent.filter((r) => r.supersedes);
    expect(fresh.map((r) => r.seq)).toEqual(rows.map((r) => r.seq));
    for (const r of fresh) expect(r.supersedes).toEqual(oldSeqs);
    expect(currentIntervalRecords(st).map((r) => r.seq)).toEqual(rows.map((r) => r.seq));

    const corrected = st.records<SessionRecord>("session").filter((r) => r.event === "corrected");
    expect(corrected).toHaveLength(1);
    const sdr = corrected[0]?.sdr as Record<string, unknown>;
    expect(within(corrected[0]?.pluggedAt, trueAt(plugMono))).toBe(true);
    expect(within(sdr.startedAt as string, trueAt(plugMono))).toBe(true);
    expect(sdr.endedAt).toBe(row.ended_at);
    expect(sdr.importWh).toBe(row.energy_wh);
    expect(sdr.intervals).toBe(rows.length);
    const ended = st.records<SessionRecord>("session").find((r) => r.event === "ended")?.sdr as Record<string, unknown>;
    expect(sdr.connectedS).toBe(ended.connectedS);
    expect(sdr.chargingS).toBe(ended.chargingS);
    // The station keeps the corrected record, not the one sent at the end.
    expect(JSON.parse(row.sdr ?? "null")).toEqual(sdr);

    const clockEvent = st.records<{ kind: string; detail: Record<string, unknown> }>("event").find((e) => e.kind === "clock");
    expect(clockEvent?.detail).toMatchObject({ synced: true, correctedSessions: 1, correctedIntervals: rows.length });
    expectPayloadsValid(st);
  }, 60_000);

  it("a session open across the sync keeps its true plug-in time; nothing is corrected twice", async () => {
    const clock = new ManualClock({ wallMs: 30 * S, synced: false });
    st = await startMeteringStation({ clock });
    const plugMono = clock.monotonic();
    await st.plugAndCharge(16);
    await st.advance(20 * MIN);
    const trueAt = await sync(st);
    await st.advance(30 * MIN);
    clock.setWall(clock.now() + 3 * 60 * MIN); // a later step of the synchronized clock is not a correction
    await st.advance(5 * S);
    st.world.act({ action: "unplug" });
    await st.advance(5 * S);

    const [row] = st.sessions() as [SessionRow];
    expect(within(row.plugged_at, trueAt(plugMono))).toBe(true);
    const records = st.records<SessionRecord>("session");
    expect(records.filter((r) => r.event === "corrected")).toHaveLength(1);
    const sdr = records.find((r) => r.event === "ended")?.sdr as Record<string, unknown>;
    expect(within(sdr.startedAt as string, trueAt(plugMono) + 3 * 60 * MIN)).toBe(true);
    // Plug-in to unplug: 8 s + 20 min + 3 s + 30 min + 5 s on the monotonic clock.
    expect(Math.abs((sdr.connectedS as number) - (50 * 60 + 16))).toBeLessThanOrEqual(2);
    expectLedgerExact(st, row);
    expect(st.intervals().every((r) => r.start.startsWith("2026-11-23"))).toBe(true);
    expectPayloadsValid(st);
  }, 60_000);

  it("a sync that finds the clock right changes no record", async () => {
    const clock = new ManualClock({ wallMs: Date.UTC(2026, 10, 23, 9, 0, 0), synced: false });
    st = await startMeteringStation({ clock });
    await session(st, 20 * MIN);
    const before = st.intervals();
    await sync(st, clock.now() + 500);
    expect(st.intervals()).toEqual(before);
    expect(st.records<SessionRecord>("session").some((r) => r.event === "corrected")).toBe(false);
    expect(st.records<{ supersedes?: unknown }>("interval").some((r) => r.supersedes)).toBe(false);
  }, 60_000);

  it("idle intervals written before the sync move with the session; idle and session Wh still add up to the registers", async () => {
    const { s, firstRegister } = await idleSessionIdle(new ManualClock({ wallMs: 30 * S, synced: false }));
    const trueAt = await sync(s);
    await s.advance(40 * MIN);

    const rows = s.query<IntervalRow>("SELECT * FROM intervals ORDER BY seq");
    expect(rows.every((r) => r.start.startsWith("2026-11-23"))).toBe(true);
    const keys = rows.map((r) => `${r.session_id ?? ""}|${r.start}`);
    expect(new Set(keys).size).toBe(rows.length);
    for (let i = 1; i < rows.length; i++)
      expect((rows[i] as IntervalRow).start_register_wh).toBe((rows[i - 1] as IntervalRow).end_register_wh);
    const last = rows.at(-1) as IntervalRow;
    expect(rows.reduce((a, r) => a + r.import_wh, 0)).toBe(last.end_register_wh - firstRegister);
    const idle = rows.filter((r) => r.session_id === null);
    expect(idle[0]?.start_ms).toBeLessThanOrEqual(trueAt(0));
    expect(idle.filter((r) => flagsOf(r).includes("clockCorrected")).length).toBeGreaterThan(0);
    expect(
      currentIntervalRecords(s)
        .map((r) => r.seq)
        .sort((a, b) => a - b),
    ).toEqual(rows.map((r) => r.seq));
    expectPayloadsValid(s);
  }, 60_000);

  it("a small correction (a clock 5 min slow) keeps idle and session intervals in their true slots, one slot each", async () => {
    const clock = new ManualClock({ wallMs: Date.UTC(2026, 10, 23, 9, 0, 0), synced: false });
    const { s, firstRegister } = await idleSessionIdle(clock);
    const trueAt = await sync(s, clock.now() + 5 * MIN);
    await s.advance(40 * MIN);

    const rows = s.query<IntervalRow>("SELECT * FROM intervals ORDER BY start_ms, seq");
    const idle = rows.filter((r) => r.session_id === null);
    // Idle from 09:05 (true) to the plug-in at 09:35: the slots 09:00, 09:15 and 09:30.
    expect(idle.slice(0, 3).map((r) => r.start.slice(11, 16))).toEqual(["09:00", "09:15", "09:30"]);
    expect(rows.every((r) => r.duration_s === 900)).toBe(true);
    expect(idle.slice(0, 3).reduce((a, r) => a + r.import_wh, 0)).toBe(40);
    const [row] = s.sessions() as [SessionRow];
    expect(rows.filter((r) => r.session_id === row.id)[0]?.start_ms).toBe(Math.floor(Date.parse(row.plugged_at) / (15 * MIN)) * 15 * MIN);
    expect(within(row.plugged_at, trueAt(0) + 30 * MIN + 3 * S, 3 * S)).toBe(true);
    const keys = rows.map((r) => `${r.session_id ?? ""}|${r.start}`);
    expect(new Set(keys).size).toBe(rows.length);
    const last = rows.reduce((a, r) => (r.seq > a.seq ? r : a));
    expect(rows.reduce((a, r) => a + r.import_wh, 0)).toBe(last.end_register_wh - firstRegister);
    expectPayloadsValid(s);
  }, 60_000);
});
