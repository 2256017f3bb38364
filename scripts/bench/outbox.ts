import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createConnection, createServer } from "node:net";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import mqtt from "mqtt";
import { SystemClock } from "../../drivers/clock/system.js";
import { silentLogger } from "../../src/app/log.js";
import { ConfigSchema } from "../../src/config/schema.js";
import { Validator } from "../../src/config/validate.js";
import { UplinkConnection } from "../../src/services/uplink/connection.js";
import { OutboxSender } from "../../src/services/uplink/sender.js";
import { Topics } from "../../src/services/uplink/topics.js";
import { openDb } from "../../src/store/db.js";
import { Outbox } from "../../src/store/outbox.js";
import type { BenchMetric, BenchSuite } from "./types.js";

/**
 * Outbox drain rate to a local Mosquitto, beside a bare mqtt.js QoS 1 loop to the same broker in the
 * same run, and the SQLite bytes written per 1,000 records sent.
 *
 * - Outbox: N interval-sized records in a real SQLite file (WAL, under ./bench/out, not tmpfs) are
 *   drained by the production UplinkConnection + OutboxSender (default window 32); the clock runs from
 *   the first publish to the last batched delete.
 * - Bare: the same payloads published by one mqtt.js client, QoS 1, with the same 32 in flight; and
 *   once more with no window at all (everything handed to mqtt.js at once), for reference.
 * - Bytes: `/proc/self/io` write_bytes across the drain (deletes only) and across the appends; where
 *   /proc is absent, growth of the database and its WAL.
 * Each round runs bare, outbox, bare again; the ratio of a round is the outbox rate over the mean of
 * the two bare runs around it (the machine's load changes slowly), and the median of the rounds is
 * reported, as are the median rates.
 */
const N = 20_000;
const ROUNDS = 5;
const WINDOW = 32;
const MOSQUITTO = process.env.MOSQUITTO ?? "/usr/sbin/mosquitto";

const PAYLOAD = (seq: number) => ({
  seq,
  stationId: "bench-1",
  start: "2026-11-22T10:15:00Z",
  durationS: 900,
  sessionId: "0b6f2c1e-4a4e-4c1e-9b1a-6a2f0e5d9c11",
  pevId: "5YJ3E1EA7KF000001",
  premiseId: "P-000123",
  account: "A-000456",
  program: "TOU-EV-2",
  importWh: 2750,
  exportWh: 0,
  startRegisterWh: 1_234_500 + seq * 2750,
  endRegisterWh: 1_237_250 + seq * 2750,
  flags: [],
});

export const suite: BenchSuite = {
  name: "outbox",
  async run(): Promise<BenchMetric[]> {
    if (!existsSync(MOSQUITTO)) throw new Error(`${MOSQUITTO} not installed (Debian package mosquitto)`);
    const outDir = join(process.cwd(), "bench", "out");
    mkdirSync(outDir, { recursive: true });
    const dir = mkdtempSync(join(outDir, "outbox-"));
    const broker = await startMosquitto(dir);
    try {
      const outboxRates: number[] = [];
      const bareRates: number[] = [];
      const ratios: number[] = [];
      const unbounded: number[] = [];
      const drainBytes: number[] = [];
      const appendBytes: number[] = [];
      for (let r = 0; r < ROUNDS; r++) {
        const bare = await bareLoop(broker.url, WINDOW);
        const o = await drainOutbox(broker.url, join(dir, `round-${r}.db`));
        const bareAfter = await bareLoop(broker.url, WINDOW);
        bareRates.push(bare, bareAfter);
        outboxRates.push(o.rate);
        ratios.push(o.rate / ((bare + bareAfter) / 2));
        drainBytes.push(o.drainBytes);
        appendBytes.push(o.appendBytes);
        unbounded.push(await bareLoop(broker.url, N));
      }
      return [
        { id: "outbox.drain.recordsPerS", label: "outbox drain rate (window 32)", value: median(outboxRates), unit: "records/s" },
        { id: "outbox.bare.qos1PerS", label: "bare mqtt.js QoS 1 loop (window 32)", value: median(bareRates), unit: "msg/s" },
        {
          id: "outbox.drain.ratio",
          label: "outbox / bare QoS 1 loop (median of rounds)",
          value: median(ratios),
          unit: "×",
          target: { value: 0.7, better: "higher" },
        },
        { id: "outbox.bare.unboundedPerS", label: "bare mqtt.js QoS 1, unbounded in-flight", value: median(unbounded), unit: "msg/s" },
        { id: "outbox.sqlite.drainBytesPer1000", label: "SQLite bytes written per 1,000 sent", value: median(drainBytes), unit: "B" },
        { id: "outbox.sqlite.appendBytesPer1000", label: "SQLite bytes written per 1,000 appended", value: median(appendBytes), unit: "B" },
      ];
    } finally {
      await broker.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

async function drainOutbox(url: string, dbPath: string): Promise<{ rate: number; drainBytes: number; appendBytes: number }> {
  const { db } = openDb(dbPath);
  const outbox = new Outbox(db);
  const w0 = writtenBytes(dbPath);
  db.transaction(() => {
    for (let i = 0; i < N; i++) outbox.append("interval", "2026-11-22T10:15:00Z", PAYLOAD);
  })();
  db.pragma("wal_checkpoint(TRUNCATE)");
  const w1 = writtenBytes(dbPath);
  const log = silentLogger();
  const cfg = new Validator(ConfigSchema).check({ stationId: "bench-1", mqtt: { url, inflightWindow: WINDOW } }, "bench").mqtt;
  const topics = new Topics(cfg.prefix, "bench-1");
  const connection = new UplinkConnection({ cfg, url, stationId: "bench-1", topics, clock: new SystemClock(() => true), log });
  let acked = 0;
  let t0 = 0;
  let finish: () => void = () => {};
  const done = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const publisher = {
    publish: (suffix: string, payload: string, opts: { qos: 1 }, cb: (err?: Error) => void) =>
      connection.publish(suffix, payload, opts, (err) => {
        cb(err);
        if (!err && ++acked === N) finish();
      }),
  };
  const sender = new OutboxSender({ db, outbox, publisher, window: WINDOW, log });
  connection.on({
    up: () => {
      t0 = performance.now();
      sender.connected();
    },
    down: () => sender.disconnected(),
  });
  connection.start();
  await done;
  sender.flush();
  const t1 = performance.now();
  const w2 = writtenBytes(dbPath);
  await connection.stop();
  if (outbox.size() !== 0) throw new Error(`${outbox.size()} records left in the outbox`);
  db.close();
  return { rate: N / ((t1 - t0) / 1000), drainBytes: ((w2 - w1) / N) * 1000, appendBytes: ((w1 - w0) / N) * 1000 };
}

async function bareLoop(url: string, window: number): Promise<number> {
  const client = await mqtt.connectAsync(url, { clientId: "bench-bare", protocolVersion: 5, reconnectPeriod: 0 });
  const payloads = Array.from({ length: N }, (_, i) => JSON.stringify(PAYLOAD(i + 1)));
  const t0 = performance.now();
  await new Promise<void>((resolve, reject) => {
    let next = 0;
    let acked = 0;
    const send = (): void => {
      const payload = payloads[next++] as string;
      client.publish("evse/bench-1/interval", payload, { qos: 1 }, (err) => {
        if (err) return reject(err);
        if (++acked === N) return resolve();
        if (next < N) send();
      });
    };
    for (let i = 0; i < Math.min(window, N); i++) send();
  });
  const t1 = performance.now();
  await client.endAsync();
  return N / ((t1 - t0) / 1000);
}

/** write_bytes of this process, or (without /proc) the size of the database and its WAL. */
function writtenBytes(dbPath: string): number {
  if (existsSync("/proc/self/io")) {
    const m = /write_bytes:\s*(\d+)/.exec(readFileSync("/proc/self/io", "utf8"));
    if (m) return Number(m[1]);
  }
  const size = (p: string) => (existsSync(p) ? statSync(p).size : 0);
  return size(dbPath) + size(`${dbPath}-wal`);
}

async function startMosquitto(dir: string): Promise<{ url: string; stop(): Promise<void> }> {
  const port = await new Promise<number>((resolve, reject) => {
    const srv = createServer().once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const a = srv.address();
      srv.close(() => resolve(typeof a === "object" && a ? a.port : 0));
    });
  });
  const conf = join(dir, "mosquitto.conf");
  writeFileSync(conf, `allow_anonymous true\npersistence false\nuser root\nmax_inflight_messages 0\nlistener ${port} 127.0.0.1\n`);
  const child: ChildProcess = spawn(MOSQUITTO, ["-c", conf], { stdio: "ignore" });
  for (let delay = 20; ; delay = Math.min(delay * 2, 250)) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = createConnection({ host: "127.0.0.1", port }, () => {
        s.destroy();
        resolve(true);
      }).once("error", () => resolve(false));
    });
    if (ok) break;
    if (child.exitCode !== null) throw new Error("mosquitto did not start");
    await new Promise((r) => setTimeout(r, delay));
  }
  return {
    url: `mqtt://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}
