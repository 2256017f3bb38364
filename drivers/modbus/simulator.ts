import type { SerialPortStream } from "@serialport/stream";
import { closeSerialLine, openSerialLine } from "../serial.js";
import { crc16, withCrc } from "./crc.js";
import { encodeRegisters } from "./decode.js";
import { type MeterMap, QUANTITIES, type Quantity } from "./map-schema.js";
import { registerCount } from "./maps.js";

/** Misbehaviour for the next reply (or every reply while `persistent`). */
export type SimFault = "crc" | "truncate" | "wrongUnit" | "exception" | "swapWords" | "noise" | "silent";

/** The registers (wire order) that hold `value` (in the quantity's unit) in `map`. */
export function encodeQuantity(map: MeterMap, quantity: Quantity, value: number): number[] {
  const reg = map.registers[quantity];
  if (!reg) throw new Error(`${map.model} has no ${quantity} (${QUANTITIES[quantity]})`);
  return encodeRegisters(value / (reg.scale ?? 1), reg.type, reg.wordOrder ?? map.wordOrder);
}

/** A register image per function code (3, 4) holding `values`. */
export function registerImage(map: MeterMap, values: Partial<Record<Quantity, number>>): Map<3 | 4, Map<number, number>> {
  const image = new Map<3 | 4, Map<number, number>>([
    [3, new Map()],
    [4, new Map()],
  ]);
  for (const [q, v] of Object.entries(values) as [Quantity, number][]) {
    const reg = map.registers[q];
    if (!reg) continue;
    const fc = reg.functionCode ?? map.functionCode;
    encodeQuantity(map, q, v).forEach((w, i) => {
      image.get(fc)?.set(reg.address + i, w);
    });
  }
  return image;
}

interface Unit {
  readonly map: MeterMap;
  readonly registers: Map<number, number>[];
}

/**
 * Modbus RTU meters on the far end of a serial line, each driven by its register map: answers
 * FC 3 / 4 reads from a register image set in the quantities' units (V, A, W, Wh, Hz), ignores
 * frames with a bad CRC or for other units, and can misbehave on demand (CRC error, truncated
 * frame, wrong unit id, exception reply, swapped words, noise, silence).
 */
export class ModbusRtuSimulator {
  /** Requests answered or refused, for counting bus traffic. */
  requests = 0;
  private port: SerialPortStream | undefined;
  private buffer = Buffer.alloc(0);
  private readonly units = new Map<number, Unit>();
  private faults: SimFault[] = [];

  constructor(private readonly opts: { path: string; baudRate?: number; parity?: "none" | "even" | "odd" }) {}

  /** Add a meter at `unitId` with initial values. */
  addUnit(unitId: number, map: MeterMap, values: Partial<Record<Quantity, number>> = {}): void {
    this.units.set(unitId, { map, registers: [new Map(), new Map(), new Map(), new Map(), new Map()] });
    for (const [q, v] of Object.entries(values) as [Quantity, number][]) this.set(unitId, q, v);
  }

  /** Set a quantity in its unit (QUANTITIES), encoded as the map says. */
  set(unitId: number, quantity: Quantity, value: number): void {
    this.setWords(unitId, quantity, encodeQuantity(this.unit(unitId).map, quantity, value));
  }

  /** Put raw register words (wire order) under a quantity: NaN, sentinels. */
  setWords(unitId: number, quantity: Quantity, words: readonly number[]): void {
    const unit = this.unit(unitId);
    const reg = unit.map.registers[quantity];
    if (!reg || words.length !== registerCount(reg.type)) throw new Error(`bad words for ${quantity}`);
    const image = unit.registers[reg.functionCode ?? unit.map.functionCode] as Map<number, number>;
    words.forEach((w, i) => {
      image.set(reg.address + i, w);
    });
  }

  /** Misbehave on the next `count` replies. */
  inject(fault: SimFault, count = 1): void {
    for (let i = 0; i < count; i++) this.faults.push(fault);
  }

  clearFaults(): void {
    this.faults = [];
  }

  async start(): Promise<void> {
    this.port = await openSerialLine({ path: this.opts.path, baudRate: this.opts.baudRate ?? 9600, parity: this.opts.parity ?? "none" });
    this.port.on("data", (chunk: Buffer) => this.onData(chunk));
    this.port.on("error", () => {});
  }

  async stop(): Promise<void> {
    const port = this.port;
    this.port = undefined;
    if (port) await closeSerialLine(port);
  }

  private unit(unitId: number): Unit {
    const u = this.units.get(unitId);
    if (!u) throw new Error(`no simulated unit ${unitId}`);
    return u;
  }

  private onData(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    while (this.buffer.length >= 8) {
      const frame = this.buffer.subarray(0, 8);
      const crc = crc16(frame.subarray(0, 6));
      if (frame.readUInt16LE(6) !== crc) {
        this.buffer = this.buffer.subarray(1);
        continue;
      }
      this.buffer = this.buffer.subarray(8);
      this.answer(frame);
    }
  }

  private answer(frame: Buffer): void {
    const [unitId = 0, fc = 0] = frame;
    const unit = this.units.get(unitId);
    if (!unit) return;
    this.requests++;
    const fault = this.faults.shift();
    if (fault === "silent") return;
    const address = frame.readUInt16BE(2);
    const count = frame.readUInt16BE(4);
    if (fault === "exception" || (fc !== 3 && fc !== 4) || count < 1 || count > 125) {
      this.write(withCrc(Buffer.from([unitId, fc | 0x80, fc === 3 || fc === 4 ? 2 : 1])));
      return;
    }
    const image = unit.registers[fc] as Map<number, number>;
    const data = Buffer.alloc(count * 2);
    for (let i = 0; i < count; i++) data.writeUInt16BE(image.get(address + i) ?? 0, i * 2);
    if (fault === "swapWords") {
      for (let i = 0; i + 3 < data.length; i += 4) {
        const first = data.readUInt16BE(i);
        data.writeUInt16BE(data.readUInt16BE(i + 2), i);
        data.writeUInt16BE(first, i + 2);
      }
    }
    let reply = withCrc(Buffer.concat([Buffer.from([fault === "wrongUnit" ? (unitId % 247) + 1 : unitId, fc, count * 2]), data]));
    if (fault === "crc") reply[reply.length - 1] = (reply[reply.length - 1] ?? 0) ^ 0xff;
    if (fault === "truncate") reply = reply.subarray(0, Math.max(3, reply.length - 4));
    if (fault === "noise") reply = Buffer.from(Array.from({ length: reply.length }, (_, i) => (i * 97 + 13) & 0xff));
    this.write(reply);
  }

  private write(data: Buffer): void {
    this.port?.write(data);
  }
}
