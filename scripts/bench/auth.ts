import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { monitorEventLoopDelay, performance } from "node:perf_hooks";
import { SystemClock } from "../../drivers/clock/system.js";
import { silentLogger } from "../../src/app/log.js";
import type { ListEntryInput } from "../../src/core/authorization-list.js";
import { Authorizer } from "../../src/services/authorization/authorizer.js";
import { IdKeys, LocalList } from "../../src/services/authorization/index.js";
import { AuthRepo } from "../../src/store/auth-repo.js";
import { Checkpointer } from "../../src/store/checkpointer.js";
import { type Db, openDb } from "../../src/store/db.js";
import { MetaRepo } from "../../src/store/meta-repo.js";
import { measureFaultLatency } from "./safety.js";
import { type BenchMetric, type BenchSuite, percentile, msMetric } from "./types.js";

/**
 * Authorization at scale: offline authorize latency against a 1,000,000-entry local list (keyed-hash
 * primary-key lookup through the real Authorizer), and a 100,000-entry Full install measured by total
 * time and the longest event-loop block (monitorEventLoopDelay) while a charging session on the real
 * controller takes injected faults, whose fault → contactor-open latency is reported beside.
 */

const tag = (i: number) => `B${i.toString(16).toUpperCase().padStart(9, "0")}`;
function entries(from: number, n: number): ListEntryInput[] {
  return Array.from({ length: n }, (_, k) => ({ idTag: tag(from + k), idTagInfo: { status: "Accepted" as const } }));
}

interface Store {
  db: Db;
  dir: string;
  repo: AuthRepo;
  keys: IdKeys;
  list: LocalList;
  close(): Promise<void>;
}

/** The station's database as it runs it (WAL checkpoints in a worker), in a temporary directory. */
function store(): Store {
  const dir = mkdtempSync(join(tmpdir(), "evsed-bench-auth-"));
  const path = join(dir, "bench.db");
  const { db } = openDb(path);
  const checkpointer = Checkpointer.start(db, path, {
    onFailure: (err) => {
      throw err;
    },
  });
  const repo = new AuthRepo(db);
  const keys = new IdKeys(new MetaRepo(db));
  const close = async () => {
    await checkpointer?.stop();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  };
  return { db, dir, repo, keys, list: new LocalList({ db, repo, keys, bulkWrite: Checkpointer.bulkWrite(checkpointer) }), close };
}

async function authorizeLatency(): Promise<{ p50: number; p99: number; max: number; installS: number }> {
  const s = store();
  try {
    const t0 = performance.now();
    await s.list.apply({ listVersion: 1, updateType: "Full", entries: entries(0, 1_000_000), part: { index: 1, count: 1 } }, "bench");
    const installS = (performance.now() - t0) / 1000;
    const authorizer = new Authorizer({
      repo: s.repo,
      keys: s.keys,
      clock: new SystemClock(() => true),
      log: silentLogger(),
      policies: {
        localAuthorizeOffline: true,
        localPreAuthorize: false,
        allowOfflineTxForUnknownId: false,
        maxEnergyOnInvalidIdWh: null,
        stopTransactionOnInvalidId: true,
      },
      testTokens: [],
      timeoutMs: 5000,
      cache: { enabled: true, maxEntries: 10_000, lifetimeS: 86_400 },
      activated: () => true,
      requests: () => null,
    });
    const sample: number[] = [];
    for (let i = 0; i < 20_000; i++) {
      const id = tag((i * 7919) % 1_100_000);
      const a = performance.now();
      await authorizer.authorize(id);
      sample.push(performance.now() - a);
    }
    return { p50: percentile(sample, 50), p99: percentile(sample, 99), max: Math.max(...sample), installS };
  } finally {
    await s.close();
  }
}

async function fullInstall(): Promise<{ totalMs: number; maxBlockMs: number; faultP99: number; faultMax: number; faults: number }> {
  const s = store();
  try {
    await s.list.apply({ listVersion: 1, updateType: "Full", entries: entries(0, 100_000), part: { index: 1, count: 1 } }, "bench");
    const list = entries(200_000, 100_000);
    const h = monitorEventLoopDelay({ resolution: 1 });
    // The charging session under faults starts first (its database setup is not the install's block).
    const faultsRun = measureFaultLatency({ perKind: 160, busy: false });
    await new Promise((r) => setTimeout(r, 200));
    h.enable();
    const t0 = performance.now();
    await s.list.apply({ listVersion: 2, updateType: "Full", entries: list, part: { index: 1, count: 1 } }, "bench");
    const totalMs = performance.now() - t0;
    h.disable();
    const faults = (await faultsRun).all;
    return { totalMs, maxBlockMs: h.max / 1e6, faultP99: percentile(faults, 99), faultMax: Math.max(...faults), faults: faults.length };
  } finally {
    await s.close();
  }
}

export const suite: BenchSuite = {
  name: "auth",
  async run(): Promise<BenchMetric[]> {
    const lat = await authorizeLatency();
    const inst = await fullInstall();
    return [
      { id: "auth.list1M.installS", label: "1,000,000-entry Full install (setup)", value: lat.installS, unit: "s" },
      msMetric("auth.authorize1M.p50Ms", "authorize at 1,000,000 entries p50", lat.p50),
      msMetric("auth.authorize1M.p99Ms", "authorize at 1,000,000 entries p99", lat.p99, 1),
      msMetric("auth.authorize1M.maxMs", "authorize at 1,000,000 entries max", lat.max),
      msMetric("auth.full100k.totalMs", "100,000-entry Full install, total", inst.totalMs),
      msMetric("auth.full100k.maxBlockMs", "  longest event-loop block during it", inst.maxBlockMs, 20),
      { id: "auth.full100k.faults", label: "  faults injected meanwhile", value: inst.faults, unit: "faults" },
      msMetric("auth.full100k.faultToOpen.p99Ms", "  fault → contactor open p99 meanwhile", inst.faultP99, 5),
      msMetric("auth.full100k.faultToOpen.maxMs", "  fault → contactor open max meanwhile", inst.faultMax, 100),
    ];
  },
};
