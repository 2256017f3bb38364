import { SerialPort } from "serialport";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadMeterMap } from "../../../drivers/modbus/index.js";
import { ModbusRtuSimulator } from "../../../drivers/modbus/simulator.js";
import { RapiSimulator } from "../../../drivers/rapi/simulator.js";
import { encodeRdm6300 } from "../../../drivers/rfid/index.js";
import { SystemClock } from "../../../drivers/clock/system.js";
import { runDoctor } from "../../../src/cli/doctor.js";
import type { Board } from "../../../src/config/board-schema.js";
import { type Config, ConfigSchema } from "../../../src/config/schema.js";
import { Validator } from "../../../src/config/validate.js";
import { openPtyPair, type PtyPair, ptySkipReason } from "../../helpers/pty.js";
import { FakeSysfs } from "../../unit/drivers/gpio/fake-sysfs.js";

const skip = ptySkipReason();

const board = (drivers: Board["drivers"]): Board => ({
  name: "t",
  description: "test",
  ratedCurrentA: 32,
  phases: 3,
  nominalVoltageV: 230,
  capabilities: {
    pilot: true,
    contactor: true,
    feedback: true,
    meter: true,
    gridMeter: false,
    tokenReader: true,
    pevLink: false,
    bidirectional: false,
    ventilation: false,
  },
  drivers,
});

const config = (devices: Config["devices"]): Config => new Validator(ConfigSchema).check({ devices }, "test config");

describe.skipIf(skip !== undefined)(`evsed doctor against simulated devices on ptys${skip ? ` (skipped: ${skip})` : ""}`, () => {
  let pilotPty: PtyPair;
  let meterPty: PtyPair;
  let tokenPty: PtyPair;
  let rapi: RapiSimulator;
  let meter: ModbusRtuSimulator;

  beforeEach(async () => {
    [pilotPty, meterPty, tokenPty] = await Promise.all([openPtyPair(), openPtyPair(), openPtyPair()]);
    rapi = new RapiSimulator({ path: pilotPty.b });
    meter = new ModbusRtuSimulator({ path: meterPty.b });
    meter.addUnit(1, loadMeterMap("sdm630"), {
      voltageL1: 230,
      voltageL2: 231,
      voltageL3: 232,
      currentL1: 1,
      currentL2: 2,
      currentL3: 3,
      power: 1380,
      frequency: 50,
      importEnergy: 1500,
      exportEnergy: 0,
    });
    await Promise.all([rapi.start(), meter.start()]);
  });

  afterEach(async () => {
    await Promise.all([rapi.stop(), meter.stop()]);
    await Promise.all([pilotPty.close(), meterPty.close(), tokenPty.close()]);
  });

  it("passes every check of an OpenEVSE board, reads the meter with units and a card", async () => {
    const far = new SerialPort({ path: tokenPty.b, baudRate: 9600 });
    await new Promise<void>((resolve) => far.once("open", () => resolve()));
    const { rows } = await runDoctor({
      board: board({
        pilot: { type: "rapi", port: "/dev/x", heartbeatIntervalS: 10, heartbeatFallbackA: 0, replyTimeoutMs: 500 },
        contactor: { type: "rapi" },
        meter: { type: "modbus", model: "sdm630", timeoutMs: 500, maxFailures: 3 },
        tokenReader: { type: "rdm6300", port: "/dev/x", debounceMs: 2000 },
      }),
      config: config({ pilotPort: pilotPty.a, meterPort: meterPty.a, tokenReaderPort: tokenPty.a }),
      clock: new SystemClock(() => true),
      tokenWaitS: 20,
      listPorts: async () => [{ path: "/dev/ttyAMA0" }],
      say: () => far.write(encodeRdm6300("1A00ABCDEF")),
    });
    await new Promise<void>((resolve) => far.close(() => resolve()));
    const byName = Object.fromEntries(rows.map((r) => [r.check, r]));
    expect(rows.every((r) => r.ok)).toBe(true);
    expect(byName["pilot controller"]?.detail).toMatch(/firmware 8\.2\.2\.sim, RAPI 6\.0\.0/);
    expect(byName.meter?.detail).toMatch(/230\.0 V \/ 231\.0 V \/ 232\.0 V, 1\.00 A .* 1380 W, 50\.00 Hz, import 1\.500 kWh/);
    expect(byName["token reader"]?.detail).toBe("card 1A00ABCDEF");
    expect(rapi.received).toEqual(["GV", "GS"]);
  });

  it("fails with hints: silent controller, wrong meter unit, missing GPIO", async () => {
    rapi.mute(true);
    const sysfs = new FakeSysfs([{ base: 512, ngpio: 58, label: "pinctrl-bcm2711" }]);
    try {
      const { rows } = await runDoctor({
        board: board({
          pilot: { type: "rapi", port: "/dev/x", heartbeatIntervalS: 10, heartbeatFallbackA: 0, replyTimeoutMs: 200 },
          contactor: { type: "gpio", pin: 17, activeLow: false, feedback: { pin: 27, activeLow: false, debounceMs: 20 } },
          meter: { type: "modbus", model: "sdm630", unitId: 9, timeoutMs: 200, maxFailures: 3 },
        }),
        config: config({ pilotPort: pilotPty.a, meterPort: meterPty.a, gpioRoot: sysfs.root }),
        clock: new SystemClock(() => false),
        listPorts: async () => [],
      });
      const byName = Object.fromEntries(rows.map((r) => [r.check, r]));
      expect(byName.clock).toMatchObject({
        ok: false,
        detail: expect.stringMatching(/not synchronized .* flagged clockUnsynced/),
        hint: expect.stringMatching(/timesync/),
      });
      expect(byName.gpio).toMatchObject({ ok: true, detail: "pinctrl-bcm2711 base 512; BCM 17 → 529, BCM 27 → 539" });
      expect(byName.contactor).toMatchObject({ ok: true, detail: "output open, feedback reads open" });
      expect(byName["pilot controller"]).toMatchObject({
        ok: false,
        detail: expect.stringMatching(/no reply to \$GV/),
        hint: expect.stringMatching(/powered and wired/),
      });
      expect(byName.meter).toMatchObject({ ok: false, hint: expect.stringMatching(/unit id \(9\)/) });

      const missing = await runDoctor({
        board: board({ contactor: { type: "gpio", pin: 17, activeLow: false } }),
        config: config({ gpioRoot: "/nonexistent" }),
        listPorts: async () => [],
      });
      expect(missing.rows.find((r) => r.check === "gpio")).toMatchObject({ ok: false, hint: expect.stringMatching(/not a Raspberry Pi/) });
    } finally {
      sysfs.remove();
    }
  });
});
