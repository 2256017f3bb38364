import { ReadlineParser } from "@serialport/parser-readline";
import type { SerialPortStream } from "@serialport/stream";
import { SystemClock } from "../clock/system.js";
import { Listeners } from "../listeners.js";
import { closeSerialLine, openSerialLine } from "../serial.js";
import type { Clock, TimerHandle } from "../types.js";
import { encodeFrame, parseFrame, RapiFrameError } from "./frame.js";
import { EvseState, VFlag } from "./states.js";

export type SimVehicle = "A" | "B" | "C" | "D";

export interface RapiSimulatorOptions {
  /** The far end of a pty pair (or any serial device). */
  readonly path: string;
  readonly baudRate?: number;
  readonly clock?: Clock;
  /** Firmware version string returned by `$GV`. */
  readonly firmware?: string;
  readonly maxAmps?: number;
}

const HS_ACK_COOKIE = 165;
const VEHICLE_CODE: Record<SimVehicle, number> = { A: EvseState.A, B: EvseState.B, C: EvseState.C, D: EvseState.D };

/**
 * An OpenEVSE controller on the far end of a serial line, for tests and demos. It answers the
 * commands evsed uses (`$GV $GS $GG $GU $SC $FE $FS $FD $SY`) with the firmware's reply formats,
 * sends `$AT` on every change and `$AB` on `reboot()`, supervises the host heartbeat, and lets a test
 * move the vehicle (plug, charge, pause, unplug), trip the GFCI and corrupt or withhold frames.
 */
export class RapiSimulator {
  /** Every command received, as `CODE p1 p2` (without sequence id or checksum). */
  readonly received: string[] = [];
  readonly commands = new Listeners<string>();

  private port: SerialPortStream | undefined;
  private readonly clock: Clock;
  private vehicle: SimVehicle = "A";
  private mode: "enabled" | "sleeping" | "disabled" = "enabled";
  private fault: number | undefined;
  private gfiTripped = false;
  private amps = 16;
  private hs = { interval: 0, fallback: 0, lastPulse: 0, missed: false };
  private hsTimer: TimerHandle | undefined;
  private lastAt = "";
  private corruptCount = 0;
  private muted = false;

  constructor(private readonly opts: RapiSimulatorOptions) {
    this.clock = opts.clock ?? new SystemClock();
  }

  async start(): Promise<void> {
    this.port = await openSerialLine({ path: this.opts.path, baudRate: this.opts.baudRate ?? 115200 });
    const parser = this.port.pipe(new ReadlineParser({ delimiter: "\r", encoding: "latin1" }));
    parser.on("data", (line: string) => this.onLine(line));
    this.port.on("error", () => {});
    this.hsTimer = this.clock.setTimer(250, () => this.superviseTick());
  }

  async stop(): Promise<void> {
    this.hsTimer?.cancel();
    this.hsTimer = undefined;
    const port = this.port;
    this.port = undefined;
    if (port) await closeSerialLine(port);
  }

  get evseState(): number {
    if (this.fault !== undefined) return this.fault;
    if (this.mode === "disabled") return EvseState.Disabled;
    if (this.mode === "sleeping") return EvseState.Sleeping;
    return VEHICLE_CODE[this.vehicle];
  }

  get relayClosed(): boolean {
    return this.mode === "enabled" && this.fault === undefined && (this.vehicle === "C" || this.vehicle === "D");
  }

  get currentA(): number {
    return this.amps;
  }

  plug(): void {
    this.setVehicle("B");
  }

  /** The vehicle asks for power (state C). */
  charge(): void {
    this.setVehicle("C");
  }

  /** The vehicle stops asking (back to B). */
  pause(): void {
    this.setVehicle("B");
  }

  unplug(): void {
    this.setVehicle("A");
  }

  /** A GFCI trip: relay opens at once, state 06 until `clearFault()`. */
  gfciTrip(): void {
    this.gfiTripped = true;
    this.setFault(EvseState.GfciFault);
  }

  setFault(state: number | undefined): void {
    this.fault = state;
    this.notify();
  }

  clearFault(): void {
    this.setFault(undefined);
  }

  /** Restart: volatile settings lost, `$AB post fw` sent. */
  reboot(post = 0): void {
    this.mode = "enabled";
    this.hs = { interval: 0, fallback: 0, lastPulse: 0, missed: false };
    this.write(encodeFrame("AB", [hex(post), this.opts.firmware ?? "8.2.2.sim"]));
    this.lastAt = "";
    this.notify();
  }

  /** The next `n` frames sent get a wrong checksum. */
  corruptNext(n: number): void {
    this.corruptCount = n;
  }

  /** While muted, commands are read but never answered (a hung controller). */
  mute(on: boolean): void {
    this.muted = on;
  }

  /** Write raw bytes (noise, partial frames) to the line. */
  sendRaw(data: string | Buffer): void {
    this.port?.write(data);
  }

  private setVehicle(v: SimVehicle): void {
    this.vehicle = v;
    this.notify();
  }

  private vflags(): number {
    let f = 0x0200;
    if (this.vehicle !== "A") f |= VFlag.EvConnected;
    if (this.relayClosed) f |= VFlag.ChargingOn;
    if (this.gfiTripped) f |= VFlag.GfiTripped;
    if (this.fault !== undefined) f |= VFlag.HardFault;
    return f;
  }

  private notify(): void {
    const params = [hex(this.evseState), hex(VEHICLE_CODE[this.vehicle]), String(this.amps), hex(this.vflags(), 4)];
    const key = params.join(" ");
    if (key === this.lastAt) return;
    this.lastAt = key;
    this.write(encodeFrame("AT", params));
  }

  private write(frame: string): void {
    if (!this.port) return;
    let out = frame;
    if (this.corruptCount > 0) {
      this.corruptCount--;
      out = `${frame.slice(0, -3)}${frame.slice(-3, -1) === "00" ? "FF" : "00"}\r`;
    }
    this.port.write(out, "latin1");
  }

  private onLine(line: string): void {
    let msg: ReturnType<typeof parseFrame>;
    try {
      msg = parseFrame(line);
    } catch (err) {
      if (err instanceof RapiFrameError && !this.muted) this.write(encodeFrame("NK"));
      return;
    }
    if (msg.kind !== "command") return;
    const text = [msg.code, ...msg.params].join(" ");
    this.received.push(text);
    this.commands.emit(text);
    if (this.muted) return;
    const [ok, out] = this.handle(msg.code, msg.params);
    this.write(encodeFrame(ok ? "OK" : "NK", out, msg.seq));
    this.notify();
  }

  private handle(code: string, p: readonly string[]): [boolean, (string | number)[]] {
    switch (code) {
      case "GV":
        return [true, [this.opts.firmware ?? "8.2.2.sim", "6.0.0"]];
      case "GS":
        return [true, [hex(this.evseState), "0", hex(VEHICLE_CODE[this.vehicle]), hex(this.vflags(), 4)]];
      case "GG":
        return [true, [this.relayClosed ? this.amps * 1000 : 0, 230000]];
      case "GU":
        return [true, [0, 0]];
      case "SC": {
        const want = Number.parseInt(p[0] ?? "", 10);
        if (Number.isNaN(want)) return [false, []];
        this.amps = Math.min(this.opts.maxAmps ?? 32, Math.max(6, want));
        return [this.amps === want, [this.amps]];
      }
      case "FE":
        this.mode = "enabled";
        return [true, []];
      case "FS":
        this.mode = "sleeping";
        return [true, []];
      case "FD":
        this.mode = "disabled";
        return [true, []];
      case "SY":
        return this.heartbeat(p);
      default:
        return [false, []];
    }
  }

  private heartbeat(p: readonly string[]): [boolean, (string | number)[]] {
    let ok = true;
    if (p.length === 0) {
      ok = !this.hs.missed;
      this.hs.lastPulse = this.clock.monotonic();
    } else if (p.length === 1) {
      ok = Number(p[0]) === HS_ACK_COOKIE;
      if (ok) this.hs.missed = false;
    } else {
      this.hs = { interval: Number(p[0]), fallback: Number(p[1]), lastPulse: this.clock.monotonic(), missed: false };
    }
    return [ok, [this.hs.interval, this.hs.fallback, this.hs.missed ? 2 : 0]];
  }

  private superviseTick(): void {
    const hs = this.hs;
    if (hs.interval > 0 && !hs.missed && this.clock.monotonic() - hs.lastPulse > hs.interval * 1000) {
      hs.missed = true;
      if (hs.fallback < 6) this.mode = "sleeping";
      else this.amps = Math.min(this.amps, hs.fallback);
      this.notify();
    }
    if (this.port) this.hsTimer = this.clock.setTimer(250, () => this.superviseTick());
  }
}

function hex(n: number, width = 2): string {
  return n.toString(16).padStart(width, "0");
}
