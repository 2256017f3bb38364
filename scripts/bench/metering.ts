import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ManualClock } from "../../drivers/clock/manual.js";
import type { Meter, MeterReading } from "../../drivers/types.js";
import { Bus, type ChargeSnapshot } from "../../src/app/bus.js";
import type { StationControl } from "../../src/app/control.js";
import { silentLogger } from "../../src/app/log.js";
import { ConfigSchema } from "../../src/config/schema.js";
import { Validator } from "../../src/config/validate.js";
import { EventRecorder } from "../../src/services/events.js";
import { MeterPoller } from "../../src/services/meter-poller.js";
import { MeteringService } from "../../src/services/metering/service.js";
import { MeteringSettings } from "../../src/services/metering/settings.js";
import { SessionService } from "../../src/services/sessions.js";
import { openDb } from "../../src/store/db.js";
import { IntervalsRepo } from "../../src/store/intervals-repo.js";
import { MetaRepo } from "../../src/store/meta-repo.js";
import { Outbox } from "../../src/store/outbox.js";
import { SessionsRepo } from "../../src/store/sessions-repo.js";
import type { BenchMetric, BenchSuite } from "./types.js";

/**
 * What metering costs the SD card. A child process runs the real session ledger and interval service
 * on simulated time against a SQLite file on disk: one charging hour at 11 kW with the meter polled every
 * second, the running sum every 60 s and 15-min intervals. It reports `/proc/self/io` deltas
 * (`write_bytes`: bytes sent to storage; `wchar`: bytes passed to write()). The same child runs under
 * `strace` to count fsync/fdatasync: once with 15-min and once with 1-min intervals.
 */

const HOUR_MS = 3_600_000;

function io(): { writeBytes: number; wchar: number } {
  const text = readFileSync("/proc/self/io", "utf8");
  const field = (name: string) => Number(new RegExp(`^${name}: (\\d+)$`, "m").exec(text)?.[1] ?? Number.NaN);
  return { writeBytes: field("write_bytes"), wchar: field("wchar") };
}

/** A meter whose import register follows a constant power on simulated time. */
function constantMeter(clock: ManualClock, powerW: number): Meter {
  const t0 = clock.monotonic();
  return {
    start: async () => {},
    stop: async () => {},
    read: async (): Promise<MeterReading> => ({
      importWh: 1_000_000 + Math.floor(((clock.monotonic() - t0) / HOUR_MS) * powerW),
      exportWh: 0,
      powerW,
      voltageV: [230, 230, 230],
      currentA: [16, 16, 16],
    }),
  };
}

const control: StationControl = {
  snapshot: () => charging,
  authorize: () => {},
  stopCharging: () => {},
  setLimit: () => {},
  setAvailability: () => {},
  clearFaults: () => {},
};

const charging: ChargeSnapshot = {
  at: 0,
  status: "Charging",
  pilot: "C",
  offeredA: 16,
  dutyPct: 26.7,
  contactorClosed: true,
  authorized: true,
  tokenId: "04A1B2C3D4",
  authorizationSource: "rfid",
  stopReason: null,
  available: true,
  faults: [],
  vehiclePresent: true,
};

/** Child: charge `hours` (after `warmHours` not measured), print the io deltas as JSON. */
async function child(dir: string, hours: number, intervalS: number): Promise<void> {
  const clock = new ManualClock({ wallMs: Date.UTC(2026, 10, 23, 10, 0, 0) });
  const { db } = openDb(join(dir, "evsed.db"), () => clock.now());
  const bus = new Bus();
  const outbox = new Outbox(db);
  const log = silentLogger();
  const events = new EventRecorder({ db, outbox, clock, bus, stationId: "bench-1", notify: () => {} });
  const config = new Validator(ConfigSchema).check({ stationId: "bench-1", premiseId: "P-1", metering: { intervalS } }, "bench");
  const poller = new MeterPoller({ meter: constantMeter(clock, 11_000), clock, bus, log, pollIntervalMs: 1000 });
  const sessionsRepo = new SessionsRepo(db);
  let metering: MeteringService | null = null;
  const sessions = new SessionService({
    db,
    repo: sessionsRepo,
    outbox,
    events,
    bus,
    clock,
    control,
    meter: poller,
    ctx: { stationId: "bench-1", premiseId: "P-1" },
    log,
    notify: () => {},
    updateIntervalMs: 60_000,
    cleanShutdown: true,
    onClosing: (row) => metering?.sessionClosing(row),
  });
  metering = new MeteringService({
    db,
    repo: new IntervalsRepo(db),
    sessions: sessionsRepo,
    outbox,
    events,
    bus,
    clock,
    log,
    settings: new MeteringSettings(config, new MetaRepo(db)),
    stationId: "bench-1",
    flagSession: (f) => sessions.addFlag(f),
    recordCorrected: (row, extra) => sessions.recordCorrected(row, extra),
    notify: () => {},
  });
  sessions.start();
  metering.start();
  poller.start();
  bus.emit("charge", { ...charging, at: clock.now() });
  await clock.advanceAsync(1000, 1000);
  await sessions.settled();
  const before = io();
  await clock.advanceAsync(hours * HOUR_MS, 1000);
  await sessions.settled();
  const after = io();
  const closes = new IntervalsRepo(db).list().length;
  await poller.stop();
  db.close();
  process.stdout.write(
    `${JSON.stringify({ writeBytes: after.writeBytes - before.writeBytes, wchar: after.wchar - before.wchar, closes })}\n`,
  );
}

interface ChildResult {
  writeBytes: number;
  wchar: number;
  closes: number;
  fsyncs: number | null;
}

function runChild(hours: number, intervalS: number, traced: boolean): ChildResult {
  const dir = mkdtempSync(join(process.cwd(), "bench", "tmp-metering-"));
  const trace = join(dir, "strace.txt");
  const script = fileURLToPath(import.meta.url);
  const args = [process.execPath, script, "--child", dir, String(hours), String(intervalS)];
  const cmd = traced ? ["strace", "-f", "-qq", "-e", "trace=fsync,fdatasync", "-o", trace, ...args] : args;
  try {
    const r = spawnSync(cmd[0] as string, cmd.slice(1), { encoding: "utf8", timeout: 600_000 });
    if (r.status !== 0) throw new Error(`metering bench child failed: ${r.stderr || r.error?.message}`);
    const out = JSON.parse(r.stdout.trim().split("\n").at(-1) as string) as Omit<ChildResult, "fsyncs">;
    const fsyncs = traced
      ? readFileSync(trace, "utf8")
          .split("\n")
          .filter((l) => /\b(fsync|fdatasync)\(/.test(l)).length
      : null;
    return { ...out, fsyncs };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const suite: BenchSuite = {
  name: "metering",
  async run(): Promise<BenchMetric[]> {
    mkdirSync(join(process.cwd(), "bench"), { recursive: true });
    const hour = runChild(1, 900, false);
    const metrics: BenchMetric[] = [
      {
        id: "metering.sqliteWriteBytesPerChargingHour",
        label: "SQLite bytes written per charging hour (write_bytes)",
        value: hour.writeBytes,
        unit: "B",
      },
      { id: "metering.sqliteWcharPerChargingHour", label: "bytes passed to write() per charging hour", value: hour.wchar, unit: "B" },
    ];
    const probe = spawnSync("strace", ["-V"], { encoding: "utf8" });
    if (probe.status === 0) {
      // One charging hour with 15-min and with 1-min intervals: same readings and running sums, so the
      // difference in fsyncs divided by the difference in closes is the cost of one interval close.
      const tracedHour = runChild(1, 900, true);
      const many = runChild(1, 60, true);
      const perClose = ((many.fsyncs as number) - (tracedHour.fsyncs as number)) / (many.closes - tracedHour.closes);
      metrics.push(
        {
          id: "metering.fsyncsPerChargingHour",
          label: "fsyncs per charging hour (15-min intervals)",
          value: tracedHour.fsyncs as number,
          unit: "",
        },
        { id: "metering.fsyncsPerIntervalClose", label: "fsyncs per interval close", value: perClose, unit: "" },
      );
    }
    return metrics;
  },
};

if (process.argv[2] === "--child") {
  await child(process.argv[3] as string, Number(process.argv[4]), Number(process.argv[5]));
}
