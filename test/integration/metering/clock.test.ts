import { afterEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../../drivers/clock/manual.js";
import type { IntervalRow } from "../../../src/store/intervals-repo.js";
import { expectLedgerExact, expectPayloadsValid, HOUR, type MeteringStation, MIN, S, startMeteringStation } from "./harness.js";

let st: MeteringStation | null = null;
afterEach(async () => {
  await st?.stop();
  st = null;
});

const flagsOf = (r: IntervalRow) => JSON.parse(r.flags) as string[];

async function finish(s: MeteringStation) {
  s.world.act({ action: "unplug" });
  await s.advance(5 * S);
  const [session] = s.sessions();
  if (!session) throw new Error("no session");
  const rows = expectLedgerExact(s, session);
  expect(new Set(rows.map((r) => r.start_ms)).size).toBe(rows.length);
  expect(rows.every((r) => r.import_wh >= 0 && r.duration_s > 0)).toBe(true);
  expectPayloadsValid(s);
  const sdr = s.records<{ event: string; sdr: Record<string, unknown> }>("session").find((r) => r.event === "ended")?.sdr;
  return { session, rows, sdr: sdr as Record<string, unknown> };
}

describe("metering across wall-clock changes", () => {
  it("boots at 1970, holds the interval until the clock syncs, then stamps it on the corrected timeline", async () => {
    const clock = new ManualClock({ wallMs: 30 * S, synced: false });
    st = await startMeteringStation({ clock });
    await st.plugAndCharge(16);
    await st.advance(40 * MIN);
    expect(st.intervals()).toHaveLength(0);
    clock.setWall(Date.UTC(2026, 10, 23, 10, 7, 0), true);
    await st.advance(50 * MIN);
    const { session, rows, sdr } = await finish(st);
    expect(JSON.parse(session.flags)).toEqual(expect.arrayContaining(["clockUnsynced", "clockCorrected"]));
    // The plug-in time was corrected at the sync (correction.ts).
    expect(Math.abs(Date.parse(session.plugged_at) - Date.UTC(2026, 10, 23, 9, 26, 52))).toBeLessThanOrEqual(2 * S);
    // Plugged at 09:26:52 on the corrected timeline: the first interval is 09:15.
    expect(rows[0]?.start).toBe("2026-11-23T09:15:00Z");
    expect(rows.every((r) => r.start.startsWith("2026-11-23"))).toBe(true);
    expect(flagsOf(rows[0] as IntervalRow)).toEqual(expect.arrayContaining(["clockUnsynced", "estimated"]));
    expect(flagsOf(rows.at(-1) as IntervalRow)).toEqual([]);
    expect(Math.abs(Date.parse(sdr.startedAt as string) - Date.UTC(2026, 10, 23, 9, 26, 52))).toBeLessThanOrEqual(2 * S);
    expect(Math.abs((sdr.connectedS as number) - (90 * 60 + 5))).toBeLessThanOrEqual(10);
    const clockEvents = st
      .records<{ kind: string; detail: { reason: string; synced: boolean; toTs: string } }>("event")
      .filter((e) => e.kind === "clock");
    // Noticed at the first meter reading after the sync (within a poll period).
    expect(clockEvents).toHaveLength(1);
    expect(clockEvents[0]?.detail).toMatchObject({ reason: "step", synced: true, fromTs: expect.stringMatching(/^1970-01-01T00:40/) });
    expect(Date.parse(clockEvents[0]?.detail.toTs as string) - Date.UTC(2026, 10, 23, 10, 7, 0)).toBeLessThanOrEqual(2 * S);
  }, 60_000);

  it("steps of +1 h and −1 h make no negative, duplicate or missing interval", async () => {
    const clock = new ManualClock({ wallMs: Date.UTC(2026, 10, 23, 10, 7, 0) });
    st = await startMeteringStation({ clock });
    await st.plugAndCharge(16);
    await st.advance(33 * MIN); // 10:40
    clock.setWall(clock.now() + HOUR);
    await st.advance(30 * MIN); // 12:10
    clock.setWall(clock.now() - HOUR);
    await st.advance(80 * MIN); // 12:30:08, unplugged just after the boundary
    const { rows } = await finish(st);
    expect(rows.map((r) => [r.start.slice(11, 16), r.import_wh > 0, flagsOf(r).includes("clockStepped")])).toEqual([
      ["10:00", true, false],
      ["10:15", true, false],
      ["10:30", true, true],
      ["10:45", false, true],
      ["11:00", false, true],
      ["11:15", false, true],
      ["11:30", true, true],
      ["11:45", true, false],
      ["12:00", true, true],
      ["12:15", true, false],
      ["12:30", true, false],
    ]);
    const steps = st.records<{ kind: string; detail: { stepS: number } }>("event").filter((e) => e.kind === "clock");
    expect(steps.map((e) => e.detail.stepS)).toEqual([3600, -3600]);
  }, 60_000);

  it("a small forward step (+5 s) mid-interval leaves each interval its own energy", async () => {
    const clock = new ManualClock({ wallMs: Date.UTC(2026, 10, 23, 10, 7, 0) });
    st = await startMeteringStation({ clock });
    await st.plugAndCharge(16);
    await st.advance(13 * MIN); // ≈ 10:20, inside [10:15, 10:30)
    clock.setWall(clock.now() + 5 * S);
    await st.advance(40 * MIN);
    const session = await st.unplugAndEnd();
    const rows = expectLedgerExact(st, session);
    const whAt = (hhmm: string) => rows.find((r) => r.start.slice(11, 16) === hhmm)?.import_wh ?? 0;
    // A steady 16 A: the stepped interval and the next hold a full 15 minutes each, like 10:45.
    const ref = whAt("10:45");
    expect(ref).toBeGreaterThan(0);
    expect(Math.abs(whAt("10:15") - ref)).toBeLessThan(ref * 0.05);
    expect(Math.abs(whAt("10:30") - ref)).toBeLessThan(ref * 0.05);
    expect(flagsOf(rows.find((r) => r.start.slice(11, 16) === "10:15") as IntervalRow)).toContain("clockStepped");
  }, 60_000);

  it("a forward step inside the open interval keeps the flags carried for it (clockUnsynced read while it was open)", async () => {
    const clock = new ManualClock({ wallMs: Date.UTC(2026, 10, 23, 10, 7, 0) });
    st = await startMeteringStation({ clock });
    await st.plugAndCharge(16);
    await st.advance(10 * MIN); // ≈ 10:17
    clock.setWall(clock.now(), false); // synchronization lost, no step
    await st.advance(2 * MIN);
    clock.setWall(clock.now(), true);
    await st.advance(1 * MIN); // ≈ 10:20
    clock.setWall(clock.now() + 1 * MIN, true); // a step that stays inside [10:15, 10:30)
    await st.advance(20 * MIN);
    const session = await st.unplugAndEnd();
    const rows = expectLedgerExact(st, session);
    const flags = flagsOf(rows.find((r) => r.start.slice(11, 16) === "10:15") as IntervalRow);
    expect(flags).toEqual(expect.arrayContaining(["clockStepped", "clockUnsynced"]));
  }, 60_000);
});
