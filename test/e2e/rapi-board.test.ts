import { writeFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { loadMeterMap } from "../../drivers/modbus/index.js";
import { ModbusRtuSimulator } from "../../drivers/modbus/simulator.js";
import { RapiSimulator } from "../../drivers/rapi/simulator.js";
import { encodeRdm6300 } from "../../drivers/rfid/index.js";
import { closeSerialLine, openSerialLine } from "../../drivers/serial.js";
import { packageRoot } from "../../src/app/paths.js";
import { EvsedProcess, tempDir } from "../helpers/cli.js";
import { openPtyPair, type PtyPair, ptySkipReason } from "../helpers/pty.js";

/**
 * `evsed run --board boards/rpi-openevse-rapi.json` with its three serial devices on pseudo-terminals:
 * an OpenEVSE controller (RAPI), an SDM630 on Modbus RTU and an RDM6300 card reader — the real
 * drivers and the real core, end to end.
 */

const skip = ptySkipReason();
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

describe.skipIf(skip !== undefined)(`the OpenEVSE board on ptys${skip ? ` (skipped: ${skip})` : ""}`, () => {
  it("charges a session end to end: plug, card, charge, unplug, with energy from the SDM630 registers", async () => {
    const ptys: PtyPair[] = [];
    for (let i = 0; i < 3; i++) {
      const p = await openPtyPair();
      ptys.push(p);
      cleanups.push(() => p.close());
    }
    const [rapiPty, meterPty, cardPty] = ptys as [PtyPair, PtyPair, PtyPair];

    const controller = new RapiSimulator({ path: rapiPty.b });
    await controller.start();
    cleanups.push(() => controller.stop());
    const meter = new ModbusRtuSimulator({ path: meterPty.b, baudRate: 9600 });
    const startWh = 1_234_000;
    meter.addUnit(1, loadMeterMap("sdm630"), {
      voltageL1: 230,
      voltageL2: 231,
      voltageL3: 229,
      currentL1: 0,
      currentL2: 0,
      currentL3: 0,
      power: 0,
      frequency: 50,
      importEnergy: startWh,
      exportEnergy: 0,
    });
    await meter.start();
    cleanups.push(() => meter.stop());
    const reader = await openSerialLine({ path: cardPty.b, baudRate: 9600 });
    cleanups.push(() => closeSerialLine(reader));

    const dir = tempDir("evsed-rapi-board-");
    writeFileSync(
      join(dir, "evsed.yaml"),
      [
        "stationId: oe-1",
        "authorization:",
        '  testTokens: ["04A1B2C3D4"]',
        "devices:",
        `  pilotPort: ${rapiPty.a}`,
        `  meterPort: ${meterPty.a}`,
        `  tokenReaderPort: ${cardPty.a}`,
        "",
      ].join("\n"),
    );
    const evsed = new EvsedProcess(["run", "--board", join(packageRoot(), "boards", "rpi-openevse-rapi.json")], { cwd: dir });
    cleanups.push(async () => {
      if (evsed.child.exitCode === null) await evsed.kill("SIGKILL");
    });
    await evsed.waitForMsg("station started");

    controller.plug();
    const started = await evsed.waitForMsg("session started");
    expect(started.startRegisterWh).toBe(startWh);

    reader.write(encodeRdm6300("04A1B2C3D4"));
    await evsed.waitForMsg("session authorized");
    await waitUntil(() => controller.received.some((c) => c.startsWith("SC ")), "the offer ($SC)");
    controller.charge();
    await evsed.waitForMsg("contactor closed");
    for (const q of ["currentL1", "currentL2", "currentL3"] as const) meter.set(1, q, 16);
    meter.set(1, "power", 11_000);
    // The register advances as a real meter's would: the driver rejects implausible jumps.
    for (let wh = 10; wh <= 100; wh += 10) {
      meter.set(1, "importEnergy", startWh + wh);
      await new Promise((r) => setTimeout(r, 400));
    }

    controller.unplug();
    const ended = await evsed.waitForMsg("session ended");
    expect(ended).toMatchObject({ reason: "EVDisconnected", energyWh: 100 });
    expect((await evsed.kill("SIGTERM")).code).toBe(0);

    const db = new Database(join(dir, "var", "evsed.db"), { readonly: true });
    const row = db.prepare("SELECT * FROM sessions").get() as {
      start_register_wh: number;
      stop_register_wh: number;
      energy_wh: number;
      token_id: string;
    };
    db.close();
    expect(row).toMatchObject({ start_register_wh: startWh, stop_register_wh: startWh + 100, energy_wh: 100, token_id: "04A1B2C3D4" });
  }, 90_000);
});

async function waitUntil(cond: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
