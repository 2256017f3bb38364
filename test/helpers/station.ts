import { join } from "node:path";
import Database from "better-sqlite3";
import { ManualClock } from "../../drivers/clock/manual.js";
import type { SimWorld } from "../../drivers/sim/index.js";
import { silentLogger } from "../../src/app/log.js";
import { packageRoot } from "../../src/app/paths.js";
import { Station } from "../../src/app/station.js";
import { loadBoard, loadConfig } from "../../src/config/load.js";
import type { Config } from "../../src/config/schema.js";
import { tempDir } from "./cli.js";

export const TEST_CARD = "04A1B2C3D4";

/** A station on the sim board in a temp directory, on simulated time. */
export interface TestStation {
  readonly station: Station;
  readonly clock: ManualClock;
  readonly world: SimWorld;
  readonly dir: string;
  /** Advance simulated time, letting async work (meter reads, commits) run. */
  advance(ms: number): Promise<void>;
  /** Rows of a query on the station's database (read through a second connection, as a tool would). */
  query<T>(sql: string, ...params: unknown[]): T[];
}

export function testConfig(overrides: Partial<Config> = {}): Config {
  const { config } = loadConfig({ file: null, env: {} });
  return {
    ...config,
    stationId: "test-1",
    dataDir: "./var",
    authorization: { ...config.authorization, freeVend: false, testTokens: [TEST_CARD] },
    ...overrides,
  };
}

export async function startTestStation(opts: { dir?: string; clock?: ManualClock; config?: Partial<Config> } = {}): Promise<TestStation> {
  const dir = opts.dir ?? tempDir("evsed-station-");
  const clock = opts.clock ?? new ManualClock();
  const { board } = loadBoard(join(packageRoot(), "boards", "sim.json"));
  const station = new Station({ config: testConfig(opts.config), board, clock, log: silentLogger(), baseDir: dir });
  await station.start();
  const world = station.drivers.sim?.world;
  if (!world) throw new Error("sim board without a world");
  const advance = async (ms: number) => {
    await clock.advanceAsync(ms, 100);
    await station.sessions.settled();
  };
  await advance(0);
  return {
    station,
    clock,
    world,
    dir,
    advance,
    query: <T>(sql: string, ...params: unknown[]) => {
      const db = new Database(join(dir, "var", "evsed.db"), { readonly: true });
      try {
        return db.prepare(sql).all(...params) as T[];
      } finally {
        db.close();
      }
    },
  };
}
