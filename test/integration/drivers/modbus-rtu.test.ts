import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SystemClock } from "../../../drivers/clock/system.js";
import {
  createModbusMeter,
  listMeterModels,
  loadMeterMap,
  type MeterStatus,
  ModbusBuses,
  type ModbusMeter,
} from "../../../drivers/modbus/index.js";
import type { Quantity } from "../../../drivers/modbus/map-schema.js";
import { ModbusRtuSimulator } from "../../../drivers/modbus/simulator.js";
import { openPtyPair, type PtyPair, ptySkipReason } from "../../helpers/pty.js";

const skip = ptySkipReason();

/** Real timers, with monotonic time that a test can move forward (to pass a backoff). */
class SkewClock extends SystemClock {
  skew = 0;
  override monotonic(): number {
    return super.monotonic() + this.skew;
  }
}

const THREE: Partial<Record<Quantity, number>> = {
  voltageL1: 230.1,
  voltageL2: 231.2,
  voltageL3: 229.8,
  currentL1: 10.5,
  currentL2: 11,
  currentL3: 9.5,
  powerL1: 2400,
  powerL2: 2500,
  powerL3: 2200,
  power: 7100,
  frequency: 50.02,
  importEnergy: 12_345_600,
  exportEnergy: 1_234_000,
};

const spec = (model: string) => ({ type: "modbus" as const, model, timeoutMs: 300, maxFailures: 3 });

describe.skipIf(skip !== undefined)(`Modbus RTU meters on a pty${skip ? ` (skipped: ${skip})` : ""}`, () => {
  let pty: PtyPair;
  let sim: ModbusRtuSimulator;

  beforeEach(async () => {
    pty = await openPtyPair();
    sim = new ModbusRtuSimulator({ path: pty.b });
    await sim.start();
  });

  afterEach(async () => {
    await sim.stop();
    await pty.close();
  });

  it.each(listMeterModels())("%s: reads the right values in the right units", async (model) => {
    const map = loadMeterMap(model);
    const values = Object.fromEntries(Object.entries(THREE).filter(([q]) => q in map.registers));
    sim.addUnit(map.defaults.unitId, map, values);
    const meter = createModbusMeter(spec(model), { clock: new SystemClock(), portPath: pty.a });
    await meter.start();
    try {
      const r = await meter.read();
      const tolerance = Math.max(...Object.values(map.registers).map((reg) => reg?.scale ?? 1), 1);
      expect(Math.abs(r.importWh - 12_345_600)).toBeLessThanOrEqual(tolerance);
      expect(Math.abs(r.exportWh - 1_234_000)).toBeLessThanOrEqual(tolerance);
      expect(Number.isInteger(r.importWh)).toBe(true);
      expect(r.powerW).toBeCloseTo(7100, 0);
      expect(r.voltageV.length).toBe(map.phases);
      expect(r.currentA.length).toBe(map.phases);
      expect(r.voltageV[0]).toBeCloseTo(230.1, 1);
      expect(r.currentA[0]).toBeCloseTo(10.5, 2);
      if (map.phases === 3) {
        expect(r.voltageV[2]).toBeCloseTo(229.8, 1);
        expect(r.currentA[1]).toBeCloseTo(11, 2);
      }
      expect(r.frequencyHz).toBeCloseTo(50, 0);
      expect(sim.requests).toBe(meter.requestsPerRead);
    } finally {
      await meter.stop();
    }
  });

  it("two meters on one RS-485 line share one serialized client", async () => {
    sim.addUnit(1, loadMeterMap("sdm630"), THREE);
    sim.addUnit(2, loadMeterMap("sdm120"), {
      voltageL1: 229,
      currentL1: 3,
      power: 690,
      frequency: 50,
      importEnergy: 5000,
      exportEnergy: 0,
    });
    const clock = new SystemClock();
    const buses = new ModbusBuses(clock);
    const ev = createModbusMeter(spec("sdm630"), { clock, portPath: pty.a, buses });
    const grid = createModbusMeter({ ...spec("sdm120"), unitId: 2, rtu: { port: pty.a, baudRate: 9600 } }, { clock, buses });
    await Promise.all([ev.start(), grid.start()]);
    try {
      for (let i = 0; i < 5; i++) {
        const [a, b] = await Promise.all([ev.read(), grid.read()]);
        expect(a.powerW).toBeCloseTo(7100, 0);
        expect(b.powerW).toBeCloseTo(690, 0);
      }
      expect(() => createModbusMeter({ ...spec("sdm120"), rtu: { port: pty.a } }, { clock, buses })).toThrow(/same settings/);
    } finally {
      await Promise.all([ev.stop(), grid.stop()]);
    }
  });
});

describe.skipIf(skip !== undefined)("Modbus RTU meter: bad input", () => {
  let pty: PtyPair;
  let sim: ModbusRtuSimulator;
  let meter: ModbusMeter;
  let clock: SkewClock;
  const statuses: MeterStatus[] = [];

  beforeEach(async () => {
    pty = await openPtyPair();
    sim = new ModbusRtuSimulator({ path: pty.b });
    sim.addUnit(1, loadMeterMap("sdm630"), THREE);
    await sim.start();
    clock = new SkewClock();
    meter = createModbusMeter(spec("sdm630"), { clock, portPath: pty.a, retries: 0, maxPowerW: 22_000 });
    statuses.length = 0;
    meter.onStatus((s) => statuses.push(s));
    await meter.start();
    await meter.read();
  });

  afterEach(async () => {
    await meter.stop();
    await sim.stop();
    await pty.close();
  });

  const rejectsThenRecovers = async (problem: RegExp) => {
    await expect(meter.read()).rejects.toThrow(problem);
    expect(statuses).toEqual([expect.objectContaining({ kind: "error", consecutive: 1, error: expect.stringMatching(problem) })]);
    const good = await meter.read();
    expect(good.importWh).toBe(12_345_600);
  };

  it("random bytes", async () => {
    sim.inject("noise");
    await rejectsThenRecovers(/CRC|Unexpected|Timed out|length/i);
  });

  it("CRC error", async () => {
    sim.inject("crc");
    await rejectsThenRecovers(/CRC/);
  });

  it("truncated frame", async () => {
    sim.inject("truncate");
    await rejectsThenRecovers(/Timed out/);
  });

  it("wrong unit id", async () => {
    sim.inject("wrongUnit");
    await rejectsThenRecovers(/Unexpected data error, expected address/);
  });

  it("exception reply", async () => {
    sim.inject("exception");
    await rejectsThenRecovers(/Modbus exception 2/);
  });

  it("word-swapped values", async () => {
    sim.inject("swapWords");
    await rejectsThenRecovers(/implausible/);
  });

  it("NaN in a register", async () => {
    sim.setWords(1, "voltageL2", [0x7fc0, 0x0000]);
    await expect(meter.read()).rejects.toThrow(/voltageL2 is not a number/);
    sim.set(1, "voltageL2", 231);
    expect((await meter.read()).voltageV[1]).toBeCloseTo(231, 3);
    expect(statuses.filter((s) => s.kind === "error")).toHaveLength(1);
  });

  it("a decreasing energy register", async () => {
    sim.set(1, "importEnergy", 12_345_000);
    await expect(meter.read()).rejects.toThrow(/importWh decreased from 12345600 to 12345000/);
    sim.set(1, "importEnergy", 12_345_610);
    expect((await meter.read()).importWh).toBe(12_345_610);
  });

  it("a retry hides a single transport error", async () => {
    const retrying = createModbusMeter(spec("sdm630"), { clock, portPath: pty.a, retries: 1 });
    await meter.stop();
    await retrying.start();
    meter = retrying;
    sim.inject("crc");
    expect((await retrying.read()).importWh).toBe(12_345_600);
  });

  it("loss after N failures, backoff while lost, restored when answers return", async () => {
    sim.inject("silent", 3);
    for (let i = 0; i < 3; i++) await expect(meter.read()).rejects.toThrow(/Timed out/);
    expect(statuses.map((s) => s.kind)).toEqual(["error", "error", "error", "lost"]);
    await expect(meter.read()).rejects.toThrow(/meter lost; next attempt/);
    const served = sim.requests;
    expect(sim.requests).toBe(served);
    clock.skew += 60_000;
    expect((await meter.read()).importWh).toBe(12_345_600);
    expect(statuses.at(-1)).toEqual(expect.objectContaining({ kind: "restored" }));
  });

  it("an unplugged port", async () => {
    await sim.stop();
    await pty.unplug();
    await expect(meter.read()).rejects.toThrow(/sdm630@/);
    pty = await pty.replug();
    sim = new ModbusRtuSimulator({ path: pty.b });
    sim.addUnit(1, loadMeterMap("sdm630"), THREE);
    await sim.start();
    clock.skew += 60_000;
    let reading: Awaited<ReturnType<ModbusMeter["read"]>> | undefined;
    for (let i = 0; i < 20 && !reading; i++) {
      reading = await meter.read().catch(() => {
        clock.skew += 60_000;
        return undefined;
      });
    }
    expect(reading?.importWh).toBe(12_345_600);
  });
});
