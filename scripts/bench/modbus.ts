import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { SystemClock } from "../../drivers/clock/system.js";
import { interFrameGapMs } from "../../drivers/modbus/bus.js";
import { createModbusMeter, loadMeterMap } from "../../drivers/modbus/index.js";
import { planReads } from "../../drivers/modbus/planner.js";
import { ModbusRtuSimulator } from "../../drivers/modbus/simulator.js";
import { type BenchMetric, type BenchSuite, percentile } from "./types.js";

/**
 * Modbus polling cost for the SDM630 full set (3 × V, 3 × I, 3 × P, total P, frequency, import,
 * export): requests per poll cycle (from the planner, confirmed by the simulator's count), and the
 * software time per request through the real driver on a socat pty (no baud-rate limit) beside the
 * time the same requests occupy a 9600 8N1 wire (bytes × 10 bits plus the 3.5-character gaps).
 */
const CYCLES = 200;

async function ptyPair(): Promise<{ a: string; b: string; close(): void }> {
  const dir = mkdtempSync(join(tmpdir(), "evsed-bench-"));
  const a = join(dir, "a");
  const b = join(dir, "b");
  const child: ChildProcess = spawn("socat", [`pty,raw,echo=0,link=${a}`, `pty,raw,echo=0,link=${b}`], { stdio: "ignore" });
  const failed = new Promise<never>((_, reject) => {
    child.once("error", (err) => reject(new Error(`socat: ${err.message} (apt-get install socat)`)));
  });
  const ready = (async () => {
    for (let i = 0; i < 500 && !(existsSync(a) && existsSync(b)); i++) await new Promise((r) => setTimeout(r, 10));
    if (!existsSync(a) || !existsSync(b)) throw new Error("socat did not create the pty pair");
  })();
  await Promise.race([ready, failed]);
  return {
    a,
    b,
    close: () => {
      child.kill("SIGTERM");
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function run(): Promise<BenchMetric[]> {
  const map = loadMeterMap("sdm630");
  const plan = planReads(map);
  const pty = await ptyPair();
  const sim = new ModbusRtuSimulator({ path: pty.b });
  sim.addUnit(1, map, {
    voltageL1: 230,
    voltageL2: 231,
    voltageL3: 229,
    currentL1: 16,
    currentL2: 16,
    currentL3: 16,
    powerL1: 3680,
    powerL2: 3696,
    powerL3: 3664,
    power: 11040,
    frequency: 50,
    importEnergy: 1_000_000,
    exportEnergy: 0,
  });
  await sim.start();
  const meter = createModbusMeter(
    { type: "modbus", model: "sdm630", timeoutMs: 1000, maxFailures: 3 },
    { clock: new SystemClock(), portPath: pty.a },
  );
  const perRequest: number[] = [];
  try {
    await meter.start();
    await meter.read();
    const before = sim.requests;
    for (let i = 0; i < CYCLES; i++) {
      const t0 = performance.now();
      await meter.read();
      perRequest.push((performance.now() - t0) / meter.requestsPerRead);
    }
    const observed = (sim.requests - before) / CYCLES;
    const gap = interFrameGapMs({ kind: "rtu", path: "", baudRate: 9600, parity: "none", stopBits: 1 });
    const charMs = (10 * 1000) / 9600;
    const wire = plan.reduce((sum, p) => sum + (8 + 5 + 2 * p.count) * charMs + 2 * gap, 0) / plan.length;
    return [
      {
        id: "modbus.sdm630.requestsPerCycle",
        label: "SDM630 full set: requests per poll cycle",
        value: observed,
        unit: "req",
        target: { value: 3, better: "lower" },
      },
      {
        id: "modbus.sdm630.ptyMsPerRequest.p50",
        label: "software time per request on a pty, p50",
        value: percentile(perRequest, 50),
        unit: "ms",
      },
      {
        id: "modbus.sdm630.ptyMsPerRequest.p99",
        label: "software time per request on a pty, p99",
        value: percentile(perRequest, 99),
        unit: "ms",
      },
      { id: "modbus.sdm630.wireMsPerRequest9600", label: "wire time of the same request at 9600 8N1", value: wire, unit: "ms" },
    ];
  } finally {
    await meter.stop();
    await sim.stop();
    pty.close();
  }
}

export const suite: BenchSuite = { name: "modbus", run };
