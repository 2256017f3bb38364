import { readdirSync } from "node:fs";
import type { Command } from "commander";
import { SerialPort } from "serialport";
import { syncedNow, syncProbe, TIMESYNC_FLAG } from "../../drivers/clock/sync-probe.js";
import { SystemClock } from "../../drivers/clock/system.js";
import { findHeaderChip, GpioAccessError, sysfsNumber } from "../../drivers/gpio/chip.js";
import { createGpioContactor } from "../../drivers/gpio/index.js";
import { DEFAULT_GPIO_ROOT } from "../../drivers/gpio/port.js";
import { createModbusMeter, ModbusBuses, type ModbusSpec } from "../../drivers/modbus/index.js";
import { RapiLink } from "../../drivers/rapi/link.js";
import { createSerialTokenReader } from "../../drivers/rfid/index.js";
import type { Clock, MeterReading, TokenEvent } from "../../drivers/types.js";
import type { Board } from "../config/board-schema.js";
import type { Config } from "../config/schema.js";
import { isoSeconds } from "../core/time.js";
import { loadContext } from "./context.js";
import { EXIT, reportError } from "./errors.js";
import { toTable } from "./format.js";

/** One line of the doctor's table. */
export interface DoctorRow {
  readonly check: string;
  readonly ok: boolean;
  readonly detail: string;
  readonly hint?: string;
}

export interface DoctorOptions {
  readonly board: Board;
  readonly config: Config;
  readonly clock?: Clock;
  /** Seconds to wait for a card on the token reader; 0 = only open it. */
  readonly tokenWaitS?: number;
  /** Serial port lister (default serialport's). */
  readonly listPorts?: () => Promise<{ path: string; manufacturer?: string }[]>;
  /** Progress for the person at the station ("hold a card to the reader"). */
  readonly say?: (line: string) => void;
}

/**
 * Check the hardware a board file declares, one row per check: serial ports, clock synchronization, GPIO access and chip
 * base, each device opened, the meter read once (values with units), the pilot controller pinged
 * (`$GV`, which changes nothing on the controller), optionally a card read. Never throws: every
 * failure is a row with a hint. Devices are opened one at a time and closed again.
 */
export async function runDoctor(opts: DoctorOptions): Promise<{ rows: DoctorRow[] }> {
  const source = opts.config.clock.sync;
  const clock = opts.clock ?? new SystemClock(syncProbe(source));
  const { board, config } = opts;
  const dev = config.devices;
  const rows: DoctorRow[] = [];
  const check = async (name: string, fn: () => Promise<Omit<DoctorRow, "check">>, hint: (err: unknown) => string) => {
    try {
      rows.push({ check: name, ...(await fn()) });
    } catch (err) {
      rows.push({
        check: name,
        ok: false,
        detail: err instanceof GpioAccessError ? err.problem : message(err),
        hint: err instanceof GpioAccessError ? err.hint : hint(err),
      });
    }
  };

  await check(
    "serial ports",
    async () => {
      const ports = await (opts.listPorts ?? listSerialPorts)();
      return {
        ok: true,
        detail: ports.length ? ports.map((p) => (p.manufacturer ? `${p.path} (${p.manufacturer})` : p.path)).join(", ") : "none found",
      };
    },
    () => "serial ports cannot be listed: is /dev readable?",
  );

  await check(
    "clock",
    async () =>
      (opts.clock ? clock.isSynced() : await syncedNow(source))
        ? { ok: true, detail: `synchronized (clock.sync: ${source}), ${isoSeconds(clock.now())}` }
        : {
            ok: false,
            detail: `not synchronized (reads ${isoSeconds(clock.now())}): records are flagged clockUnsynced until it is`,
            hint:
              source === "timedatectl"
                ? "timedatectl reports NTPSynchronized=no (or cannot be run): check the NTP daemon (chronyc tracking) and its network access"
                : `evsed reads systemd-timesyncd's ${TIMESYNC_FLAG}: enable it (timedatectl set-ntp true) and let it reach an NTP server; with chrony or ntpd set clock.sync: timedatectl`,
          },
    () => "",
  );

  const d = board.drivers;
  if (d.contactor?.type === "gpio") {
    const spec = d.contactor;
    const root = dev.gpioRoot ?? DEFAULT_GPIO_ROOT;
    await check(
      "gpio",
      async () => {
        const chip = findHeaderChip(root);
        const pins = [spec.pin, ...(spec.feedback ? [spec.feedback.pin] : [])].map((p) => `BCM ${p} → ${sysfsNumber(chip, p)}`);
        return { ok: true, detail: `${chip.label} base ${chip.base}; ${pins.join(", ")}` };
      },
      () => "",
    );
    await check(
      "contactor",
      async () => {
        const c = createGpioContactor(spec, { clock, ...(dev.gpioRoot ? { gpioRoot: dev.gpioRoot } : {}) });
        await c.start();
        const fb = c.feedback();
        await c.stop();
        const welded = fb === true;
        return {
          ok: !welded,
          detail: `output open${c.hasFeedback ? `, feedback reads ${fb ? "CLOSED" : "open"}` : ", no feedback"}`,
          ...(welded ? { hint: "contactor welded, or the feedback input is wired or configured (activeLow) wrong" } : {}),
        };
      },
      () => "check the pin numbers in the board file",
    );
  }

  if (d.pilot?.type === "rapi") {
    const spec = d.pilot;
    const path = dev.pilotPort ?? spec.port;
    await check(
      "pilot controller",
      async () => {
        const link = new RapiLink({ path, baudRate: spec.baudRate ?? 115200, clock, replyTimeoutMs: spec.replyTimeoutMs ?? 1000 });
        await link.start();
        try {
          const gv = await link.request("GV");
          const gs = await link.request("GS");
          return {
            ok: gv.ok,
            detail: `${path}: firmware ${gv.params[0] ?? "?"}, RAPI ${gv.params[1] ?? "?"}; state ${gs.params[0] ?? "?"}`,
          };
        } finally {
          await link.stop();
        }
      },
      () =>
        `is the OpenEVSE controller powered and wired to ${path} (TX↔RX, GND), at ${spec.baudRate ?? 115200} baud? Is a serial console disabled on it?`,
    );
  }

  const buses = new ModbusBuses(clock);
  const meters: [string, ModbusSpec | undefined][] = [
    ["meter", d.meter?.type === "modbus" ? d.meter : undefined],
    ["grid meter", d.gridMeter?.type === "modbus" ? d.gridMeter : undefined],
  ];
  for (const [name, spec] of meters) {
    if (!spec) continue;
    await check(
      name,
      async () => {
        const meter = createModbusMeter(spec, {
          clock,
          buses,
          retries: 1,
          ...(name === "meter" && dev.meterPort ? { portPath: dev.meterPort } : {}),
          ...(name === "meter" && dev.meterHost ? { host: dev.meterHost } : {}),
        });
        await meter.start();
        try {
          return { ok: true, detail: `${spec.model}: ${describeReading(await meter.read())}` };
        } finally {
          await meter.stop();
        }
      },
      () =>
        `check the RS-485 wiring (A/B), termination, the unit id (${spec.unitId ?? "map default"}) and line settings against the meter's menu`,
    );
  }

  if (d.tokenReader && d.tokenReader.type !== "sim") {
    const spec = d.tokenReader;
    const wait = opts.tokenWaitS ?? 0;
    await check(
      "token reader",
      async () => {
        const reader = createSerialTokenReader(spec, { clock, ...(dev.tokenReaderPort ? { portPath: dev.tokenReaderPort } : {}) });
        await reader.start();
        try {
          if (wait <= 0) return { ok: true, detail: `${dev.tokenReaderPort ?? spec.port} opened (--token-wait N to read a card)` };
          opts.say?.(`hold a card to the reader within ${wait} s …`);
          const token = await new Promise<TokenEvent | undefined>((resolve) => {
            const timer = clock.setTimer(wait * 1000, () => resolve(undefined));
            const off = reader.on((t) => {
              timer.cancel();
              off();
              resolve(t);
            });
          });
          return token
            ? { ok: true, detail: `card ${token.id}` }
            : { ok: false, detail: `no card within ${wait} s`, hint: "check the reader's power and TX wire, and its baud rate" };
        } finally {
          await reader.stop();
        }
      },
      () => "check the reader's port in the board file or devices.tokenReaderPort",
    );
  }

  for (const [name, spec] of Object.entries(d)) {
    if (spec?.type === "sim") rows.push({ check: name, ok: true, detail: "simulated" });
  }
  return { rows };
}

/** `evsed doctor [--board FILE] [--token-wait S] [--json]`: exit 0 only if every check passes. */
export function registerDoctor(program: Command, deps: { clock?: Clock } = {}): void {
  program
    .command("doctor")
    .description("check the board's hardware: serial ports, GPIO, pilot controller, meter, token reader")
    .option("--board <file>", "board file (default: the config's board)")
    .option("--token-wait <seconds>", "wait this long for a card on the token reader", (v) => Number.parseInt(v, 10), 0)
    .option("--json", "print JSON")
    .action(async (opts: { board?: string; tokenWait: number; json?: boolean }, cmd: Command) => {
      try {
        const ctx = loadContext({ ...cmd.optsWithGlobals(), ...(opts.board ? { board: opts.board } : {}) });
        const { rows } = await runDoctor({
          board: ctx.board,
          config: ctx.config,
          tokenWaitS: Number.isFinite(opts.tokenWait) ? opts.tokenWait : 0,
          say: (line) => process.stderr.write(`${line}\n`),
          ...(deps.clock ? { clock: deps.clock } : {}),
        });
        const ok = rows.every((r) => r.ok);
        if (opts.json) process.stdout.write(`${JSON.stringify({ ok, rows })}\n`);
        else
          process.stdout.write(
            toTable(rows.map((r) => ({ check: r.check, result: r.ok ? "PASS" : "FAIL", detail: r.detail, hint: r.hint ?? "" }))),
          );
        process.exitCode = ok ? EXIT.ok : EXIT.failure;
      } catch (err) {
        process.exitCode = reportError(err);
      }
    });
}

/** serialport's list (udev), else the usual device names under /dev (containers have no udevadm). */
async function listSerialPorts(): Promise<{ path: string; manufacturer?: string }[]> {
  try {
    return await SerialPort.list();
  } catch {
    const names = readdirSync("/dev").filter((n) => /^(serial\d|ttyAMA\d+|ttyS\d+|ttyUSB\d+|ttyACM\d+|evsed-.+)$/.test(n));
    return names.map((n) => ({ path: `/dev/${n}` }));
  }
}

/** A reading with units, for people. */
export function describeReading(r: MeterReading): string {
  const list = (vs: readonly number[], unit: string, digits: number) => vs.map((v) => `${v.toFixed(digits)} ${unit}`).join(" / ");
  return [
    list(r.voltageV, "V", 1),
    list(r.currentA, "A", 2),
    `${r.powerW.toFixed(0)} W`,
    ...(r.frequencyHz !== undefined ? [`${r.frequencyHz.toFixed(2)} Hz`] : []),
    `import ${(r.importWh / 1000).toFixed(3)} kWh`,
    `export ${(r.exportWh / 1000).toFixed(3)} kWh`,
  ].join(", ");
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
