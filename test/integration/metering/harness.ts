import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { ValidateFunction } from "ajv";
import Database from "better-sqlite3";
import { ManualClock } from "../../../drivers/clock/manual.js";
import type { SimWorld } from "../../../drivers/sim/index.js";
import { silentLogger } from "../../../src/app/log.js";
import { packageRoot } from "../../../src/app/paths.js";
import { Station } from "../../../src/app/station.js";
import { loadBoard } from "../../../src/config/load.js";
import { type Config, ConfigSchema } from "../../../src/config/schema.js";
import { createAjv, Validator } from "../../../src/config/validate.js";
import type { IntervalRow } from "../../../src/store/intervals-repo.js";
import type { SessionRow } from "../../../src/store/sessions-repo.js";
import { tempDir } from "../../helpers/cli.js";

export const CARD = "04A1B2C3D4";
export const S = 1000;
export const MIN = 60 * S;
export const HOUR = 60 * MIN;

/** A station on the sim board on simulated time, with its database readable by a second connection. */
export interface MeteringStation {
  readonly station: Station;
  readonly clock: ManualClock;
  readonly world: SimWorld;
  readonly dir: string;
  /** Advance simulated time in 1 s steps, letting meter reads and commits run. */
  advance(ms: number): Promise<void>;
  plugAndCharge(amps?: number): Promise<void>;
  /** Unplug the vehicle, let the station close the session, and return that session's row. */
  unplugAndEnd(): Promise<SessionRow>;
  intervals(sessionId?: string): IntervalRow[];
  sessions(): SessionRow[];
  query<T>(sql: string, ...params: unknown[]): T[];
  /** Outbox payloads of `topic`, in seq order. */
  records<T = Record<string, unknown>>(topic: string): T[];
  stop(): Promise<void>;
}

export function meteringConfig(overrides: Record<string, unknown> = {}): Config {
  return new Validator(ConfigSchema).check(
    {
      stationId: "meter-1",
      premiseId: "PREMISE-7",
      dataDir: "./var",
      authorization: { testTokens: [CARD] },
      sim: { vehicle: { batteryWh: 400_000, socPct: 5, responseMs: 0 } },
      ...overrides,
    },
    "test config",
  );
}

export async function startMeteringStation(opts: { clock?: ManualClock; config?: Record<string, unknown>; dir?: string } = {}) {
  const dir = opts.dir ?? tempDir("evsed-metering-");
  const clock = opts.clock ?? new ManualClock();
  const { board } = loadBoard(join(packageRoot(), "boards", "sim.json"));
  const station = new Station({ config: meteringConfig(opts.config), board, clock, log: silentLogger(), baseDir: dir });
  await station.start();
  const world = station.drivers.sim?.world;
  if (!world) throw new Error("sim board without a world");
  const query = <T>(sql: string, ...params: unknown[]): T[] => {
    const db = new Database(join(dir, "var", "evsed.db"), { readonly: true });
    try {
      return db.prepare(sql).all(...params) as T[];
    } finally {
      db.close();
    }
  };
  const advance = async (ms: number) => {
    await clock.advanceAsync(ms, 1000);
    await station.sessions.settled();
  };
  await advance(0);
  const ms: MeteringStation = {
    station,
    clock,
    world,
    dir,
    advance,
    query,
    async plugAndCharge(amps = 16) {
      world.act({ action: "draw", amps });
      world.act({ action: "plug" });
      await advance(3 * S);
      world.act({ action: "token", id: CARD });
      await advance(5 * S);
    },
    async unplugAndEnd() {
      world.act({ action: "unplug" });
      await advance(5 * S);
      const rows = query<SessionRow>("SELECT * FROM sessions ORDER BY plugged_at, rowid");
      const last = rows[rows.length - 1];
      if (!last?.ended_at) throw new Error("no session ended on unplug");
      return last;
    },
    intervals: (sessionId) =>
      sessionId
        ? query<IntervalRow>("SELECT * FROM intervals WHERE session_id = ? ORDER BY start_ms", sessionId)
        : query<IntervalRow>("SELECT * FROM intervals ORDER BY start_ms"),
    sessions: () => query<SessionRow>("SELECT * FROM sessions ORDER BY plugged_at, rowid"),
    records: <T>(topic: string) =>
      query<{ payload: string }>("SELECT payload FROM outbox WHERE topic = ? ORDER BY seq", topic).map((r) => JSON.parse(r.payload) as T),
    stop: () => station.stop(),
  };
  return ms;
}

/** Compiled validators for the payload schemas in docs/schemas. */
export function payloadValidators(): Record<"interval" | "session" | "event", ValidateFunction> {
  const ajv = createAjv();
  const load = (name: string) =>
    ajv.compile(JSON.parse(readFileSync(join(packageRoot(), "docs", "schemas", `${name}.schema.json`), "utf8")) as object);
  return { interval: load("interval"), session: load("session"), event: load("event") };
}

/** Every outbox payload of the station validates against its documented schema. */
export function expectPayloadsValid(st: MeteringStation): number {
  const v = payloadValidators();
  let n = 0;
  for (const topic of ["interval", "session", "event"] as const) {
    for (const p of st.records(topic)) {
      if (!v[topic](p)) throw new Error(`${topic} payload ${JSON.stringify(p)} fails its schema: ${JSON.stringify(v[topic].errors)}`);
      n++;
    }
  }
  return n;
}

/** An `interval` record as the tests read it. */
export interface IntervalRecord {
  readonly seq: number;
  readonly sessionId: string | null;
  readonly start: string;
  readonly importWh: number;
  readonly flags: string[];
  readonly supersedes?: number[];
}

/** The interval records a consumer bills: every record, less those a later record `supersedes` (a clock correction). */
export function currentIntervalRecords(st: MeteringStation): IntervalRecord[] {
  const all = st.records<IntervalRecord>("interval");
  const dropped = new Set(all.flatMap((r) => r.supersedes ?? []));
  return all.filter((r) => !dropped.has(r.seq));
}

/** The invariants every session's intervals keep: contiguous, once each, Wh adding up to the register difference. */
export function expectLedgerExact(st: MeteringStation, session: SessionRow): IntervalRow[] {
  const rows = st.intervals(session.id);
  for (let i = 1; i < rows.length; i++) {
    const prev = rows[i - 1] as IntervalRow;
    const cur = rows[i] as IntervalRow;
    if (cur.start_ms !== prev.start_ms + prev.duration_s * 1000) throw new Error(`interval ${cur.start} does not follow ${prev.start}`);
  }
  const sum = rows.reduce((a, r) => a + r.import_wh, 0);
  if (session.energy_wh !== null && sum !== session.energy_wh)
    throw new Error(`intervals add up to ${sum} Wh, session says ${session.energy_wh}`);
  const records = currentIntervalRecords(st).filter((r) => r.sessionId === session.id);
  if (records.length !== rows.length) throw new Error(`${records.length} interval records for ${rows.length} intervals`);
  records.forEach((r, i) => {
    const row = rows[i] as IntervalRow;
    if (r.seq !== row.seq || r.start !== row.start || r.importWh !== row.import_wh)
      throw new Error(`record ${JSON.stringify(r)} differs from its row`);
  });
  return rows;
}
