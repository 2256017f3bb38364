import { createServer } from "node:net";
import modbusSerial from "modbus-serial";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SystemClock } from "../../../drivers/clock/system.js";
import { createModbusMeter, loadMeterMap } from "../../../drivers/modbus/index.js";
import { registerImage } from "../../../drivers/modbus/simulator.js";

type Server = InstanceType<typeof modbusSerial.ServerTCP>;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const addr = s.address();
      s.close(() => (typeof addr === "object" && addr ? resolve(addr.port) : reject(new Error("no port"))));
    });
  });
}

describe("Modbus TCP meter against a modbus-serial ServerTCP on 127.0.0.1", () => {
  let server: Server;
  let port: number;
  const map = loadMeterMap("sdm630");
  const image = registerImage(map, {
    voltageL1: 230,
    voltageL2: 231,
    voltageL3: 232,
    currentL1: 16,
    currentL2: 16,
    currentL3: 16,
    powerL1: 3680,
    powerL2: 3696,
    powerL3: 3712,
    power: 11088,
    frequency: 49.98,
    importEnergy: 42_000,
    exportEnergy: 0,
  });
  let refuse = false;

  beforeEach(async () => {
    port = await freePort();
    refuse = false;
    server = new modbusSerial.ServerTCP(
      {
        getInputRegister: (addr: number) => {
          if (refuse) throw { modbusErrorCode: 0x02, msg: "Illegal data address" };
          return image.get(4)?.get(addr) ?? 0;
        },
        getHoldingRegister: () => 0,
      },
      { host: "127.0.0.1", port, unitID: 1 },
    );
    await new Promise<void>((resolve) => server.on("initialized", () => resolve()));
  });

  afterEach(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it("reads the full set over TCP", async () => {
    const meter = createModbusMeter(
      { type: "modbus", model: "sdm630", tcp: { host: "127.0.0.1", port }, timeoutMs: 1000, maxFailures: 3 },
      { clock: new SystemClock() },
    );
    await meter.start();
    try {
      const r = await meter.read();
      expect(r.importWh).toBe(42_000);
      expect(r.powerW).toBeCloseTo(11088, 0);
      expect(r.voltageV.map((v) => Math.round(v))).toEqual([230, 231, 232]);
      expect(r.frequencyHz).toBeCloseTo(49.98, 2);
    } finally {
      await meter.stop();
    }
  });

  it("an exception from the server rejects the read and recovers", async () => {
    const meter = createModbusMeter(
      { type: "modbus", model: "sdm630", timeoutMs: 1000, maxFailures: 3 },
      { clock: new SystemClock(), host: "127.0.0.1", retries: 0 },
    );
    await expect(meter.start()).rejects.toThrow(/127\.0\.0\.1:502/);
    const good = createModbusMeter(
      { type: "modbus", model: "sdm630", tcp: { host: "127.0.0.1", port }, timeoutMs: 1000, maxFailures: 3 },
      { clock: new SystemClock(), retries: 0 },
    );
    await good.start();
    try {
      refuse = true;
      await expect(good.read()).rejects.toThrow(/exception/i);
      refuse = false;
      expect((await good.read()).importWh).toBe(42_000);
    } finally {
      await good.stop();
    }
  });
});
