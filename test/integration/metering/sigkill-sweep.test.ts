import { writeFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Cursor, IntervalRow } from "../../../src/store/intervals-repo.js";
import type { SessionRow } from "../../../src/store/sessions-repo.js";
import { EvsedProcess, tempDir } from "../../helpers/cli.js";
import { Mosquitto, mosquittoAvailable } from "../../helpers/mosquitto.js";
import { Subscriber, waitUntil } from "../uplink/fixture.js";
import { CARD, payloadValidators } from "./harness.js";

/**
 * SIGKILL the real daemon (`evsed run`, sim board, 60-s intervals, simulated time at 60×: one interval
 * per real second) at offsets spread across interval boundaries, restart it on the same SQLite file and
 * simulated hardware each time, and check the ledger after every restart: intervals contiguous, each
 * stamped once, Wh adding up to the register difference. At the end, what a persistent MQTT subscriber
 * received equals what SQLite holds, and every payload validates against docs/schemas.
 */
const SCENARIO = `
steps:
  - { do: draw, amps: 16 }
  - { wait: 5 }
  - { do: plug }
  - { wait: 5 }
  - { do: token, id: "${CARD}" }
  - { wait: 1500 }
  - { do: unplug }
  - { wait: 86400 }
`;

const KILL_OFFSETS_MS = [0, 130, 260, 390, 520, 650, 780, 910];

interface Payload {
  seq: number;
  sessionId: string;
  start: string;
  importWh: number;
  event?: string;
  sdr?: { importWh: number };
}

function readDb<T>(file: string, fn: (db: Database.Database) => T): T {
  const db = new Database(file, { readonly: true });
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

/** Ledger invariants of one session: contiguous, once each, starting at the session's register, exact. */
function checkLedger(file: string): { sessions: SessionRow[]; rows: IntervalRow[] } {
  return readDb(file, (db) => {
    expect(db.pragma("integrity_check", { simple: true })).toBe("ok");
    const sessions = db.prepare("SELECT * FROM sessions ORDER BY plugged_at").all() as SessionRow[];
    const rows = db.prepare("SELECT * FROM intervals ORDER BY start_ms").all() as IntervalRow[];
    for (const s of sessions) {
      const mine = rows.filter((r) => r.session_id === s.id);
      if (mine.length === 0) continue;
      expect(mine[0]?.start_register_wh).toBe(s.start_register_wh);
      for (let i = 1; i < mine.length; i++) {
        const prev = mine[i - 1] as IntervalRow;
        const cur = mine[i] as IntervalRow;
        expect(cur.start_ms).toBe(prev.start_ms + prev.duration_s * 1000);
        expect(cur.start_register_wh).toBe(prev.end_register_wh);
      }
      const sum = mine.reduce((a, r) => a + r.import_wh, 0);
      expect(sum).toBe((mine.at(-1)?.end_register_wh as number) - (s.start_register_wh as number));
      const cursor = db.prepare("SELECT state FROM interval_cursor WHERE session_id = ?").get(s.id) as { state: string } | undefined;
      if (cursor) {
        const c = JSON.parse(cursor.state) as Cursor;
        const last = mine.at(-1) as IntervalRow;
        expect(c.open.startMs).toBe(last.start_ms + last.duration_s * 1000);
      } else expect(s.ended_at).not.toBeNull();
    }
    return { sessions, rows };
  });
}

describe.skipIf(!mosquittoAvailable())("SIGKILL sweep across interval boundaries (evsed run, Mosquitto)", () => {
  let broker: Mosquitto;
  let sub: Subscriber;
  let proc: EvsedProcess | null = null;

  beforeAll(async () => {
    broker = await Mosquitto.create();
    sub = await Subscriber.connect(broker.url, ["evse/sweep-1/interval", "evse/sweep-1/session"], {
      clientId: "utility-sweep",
      clean: false,
    });
  });
  afterAll(async () => {
    if (proc && proc.child.exitCode === null && proc.child.signalCode === null) await proc.kill("SIGKILL");
    await sub.close();
    await broker.dispose();
  });

  it("loses and duplicates no interval; sums stay exact; MQTT equals SQLite", async () => {
    const dir = tempDir("evsed-sweep-");
    writeFileSync(join(dir, "scenario.yaml"), SCENARIO);
    writeFileSync(
      join(dir, "evsed.yaml"),
      [
        "stationId: sweep-1",
        "premiseId: PREMISE-9",
        "dataDir: ./var",
        "metering:",
        "  intervalS: 60",
        "tariff: { basePrice: 21.5 }",
        `authorization: { testTokens: ["${CARD}"] }`,
        "sim: { speed: 60, scenario: scenario.yaml, vehicle: { batteryWh: 200000, socPct: 10 } }",
        `mqtt: { url: "${broker.url}", reconnectMinMs: 100, reconnectMaxMs: 1000 }`,
        "",
      ].join("\n"),
    );
    const dbFile = join(dir, "var", "evsed.db");
    const start = () => {
      proc = new EvsedProcess(["--log-level", "debug", "run"], { cwd: dir });
      return proc;
    };

    for (const offset of KILL_OFFSETS_MS) {
      const p = start();
      await p.waitForMsg("interval closed", 60_000);
      await new Promise((r) => setTimeout(r, offset));
      await p.kill("SIGKILL");
      checkLedger(dbFile);
    }
    const p = start();
    await p.waitForMsg("session ended", 120_000);
    await waitUntil(
      () => readDb(dbFile, (db) => (db.prepare("SELECT count(*) AS n FROM outbox").get() as { n: number }).n === 0),
      "outbox drained",
      30_000,
    );
    expect((await p.kill("SIGTERM")).code).toBe(0);

    const { sessions, rows } = checkLedger(dbFile);
    expect(sessions).toHaveLength(1);
    const session = sessions[0] as SessionRow;
    expect(session.stop_reason).toBe("EVDisconnected");
    expect(rows.length).toBeGreaterThanOrEqual(25);
    expect(rows.reduce((a, r) => a + r.import_wh, 0)).toBe(session.energy_wh);
    expect(session.energy_wh).toBe((session.stop_register_wh as number) - (session.start_register_wh as number));

    // What the utility received (deduplicated by seq) is exactly what SQLite holds.
    const v = payloadValidators();
    const bySeq = new Map<number, Payload>();
    for (const r of sub.received) {
      const payload = JSON.parse(r.payload.toString()) as Payload;
      const topic = r.topic.endsWith("/interval") ? "interval" : "session";
      expect(v[topic](payload), JSON.stringify(v[topic].errors)).toBe(true);
      const seen = bySeq.get(payload.seq);
      if (seen) expect(payload).toEqual(seen);
      bySeq.set(payload.seq, payload);
    }
    const intervals = [...bySeq.values()].filter((x) => x.start !== undefined).sort((a, b) => a.seq - b.seq);
    expect(intervals.map((x) => [x.seq, x.start, x.importWh])).toEqual(rows.map((r) => [r.seq, r.start, r.import_wh]));
    const ended = [...bySeq.values()].filter((x) => x.event === "ended");
    expect(ended).toHaveLength(1);
    expect(ended[0]?.sdr?.importWh).toBe(session.energy_wh);
  }, 300_000);
});
