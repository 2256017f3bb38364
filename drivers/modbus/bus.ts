import modbusSerial from "modbus-serial";
import type { SerialBinding } from "../serial.js";
import type { Clock } from "../types.js";
import { RtuLinePort } from "./rtu-port.js";

/** Where a bus is: an RS-485 line or a Modbus TCP server. */
export type ModbusTransport =
  | {
      readonly kind: "rtu";
      readonly path: string;
      readonly baudRate: number;
      readonly parity: "none" | "even" | "odd";
      readonly stopBits: 1 | 2;
      readonly binding?: SerialBinding;
    }
  | { readonly kind: "tcp"; readonly host: string; readonly port: number };

/** Key of a transport in a registry: the device path or host:port. */
export function transportKey(t: ModbusTransport): string {
  return t.kind === "rtu" ? `rtu:${t.path}` : `tcp:${t.host}:${t.port}`;
}

/** Silence between RTU frames: 3.5 character times, fixed 1.75 ms above 19200 baud (Modbus over serial line §2.5.1.1). */
export function interFrameGapMs(t: ModbusTransport): number {
  if (t.kind === "tcp") return 0;
  if (t.baudRate > 19200) return 1.75;
  const bitsPerChar = 1 + 8 + (t.parity === "none" ? 0 : 1) + t.stopBits;
  return (3.5 * bitsPerChar * 1000) / t.baudRate;
}

// modbus-serial is CommonJS with `exports.default`; under NodeNext the class sits on `.default`.
const ModbusRTU = modbusSerial.default;
type Client = InstanceType<typeof ModbusRTU>;

/**
 * One Modbus client shared by every meter on a line. Contract: transactions are strictly serialized
 * (one request on the wire at a time, in call order) with at least the inter-frame gap of silence
 * after each; the line opens with the first `acquire` and closes with the last `release`; a line that
 * closed (unplugged adapter, dropped TCP connection) is reopened by the next request.
 */
export class ModbusBus {
  private client: Client | undefined;
  private users = 0;
  private tail: Promise<void> = Promise.resolve();
  private opening: Promise<Client> | undefined;

  constructor(
    readonly transport: ModbusTransport,
    private readonly clock: Clock,
  ) {}

  get name(): string {
    return this.transport.kind === "rtu" ? this.transport.path : `${this.transport.host}:${this.transport.port}`;
  }

  /** Open the line (first user); rejects with an error naming the device. */
  async acquire(): Promise<void> {
    this.users++;
    try {
      await this.connect();
    } catch (err) {
      this.users--;
      throw err;
    }
  }

  async release(): Promise<void> {
    this.users = Math.max(0, this.users - 1);
    if (this.users > 0) return;
    await this.tail;
    const c = this.client;
    this.client = undefined;
    if (c?.isOpen) await new Promise<void>((resolve) => c.close(() => resolve()));
  }

  /** Read `count` registers with FC 3 or 4; resolves with the register values or rejects (timeout, CRC, exception, closed). */
  read(unitId: number, fc: 3 | 4, address: number, count: number, timeoutMs: number): Promise<number[]> {
    const run = this.tail.then(() => this.transact(unitId, fc, address, count, timeoutMs));
    const gap = () => this.silence();
    this.tail = run.then(gap, gap);
    return run;
  }

  private async transact(unitId: number, fc: 3 | 4, address: number, count: number, timeoutMs: number): Promise<number[]> {
    const c = await this.connect();
    c.setID(unitId);
    c.setTimeout(timeoutMs);
    const res = fc === 3 ? await c.readHoldingRegisters(address, count) : await c.readInputRegisters(address, count);
    if (res.data.length !== count) throw new Error(`${this.name}: expected ${count} registers, got ${res.data.length}`);
    return res.data;
  }

  private silence(): Promise<void> {
    const ms = interFrameGapMs(this.transport);
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve) => this.clock.setTimer(Math.ceil(ms), resolve));
  }

  private connect(): Promise<Client> {
    if (this.client?.isOpen) return Promise.resolve(this.client);
    this.opening ??= this.open().finally(() => {
      this.opening = undefined;
    });
    return this.opening;
  }

  private async open(): Promise<Client> {
    const t = this.transport;
    let c: Client;
    if (t.kind === "rtu") {
      c = new ModbusRTU(
        new RtuLinePort({ path: t.path, baudRate: t.baudRate, parity: t.parity, stopBits: t.stopBits, binding: t.binding }),
      );
      await new Promise<void>((resolve, reject) => c.open((err: Error | null) => (err ? reject(err) : resolve())));
    } else {
      c = new ModbusRTU();
      try {
        await c.connectTCP(t.host, { port: t.port });
      } catch (err) {
        throw new Error(`${this.name}: cannot connect to Modbus TCP server: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    c.on("error", () => {});
    this.client = c;
    return c;
  }
}

/**
 * The buses of one station, by device path or host:port, so an EV meter and a grid meter on the
 * same RS-485 line share one serialized client. Conflicting line settings are an error.
 */
export class ModbusBuses {
  private readonly buses = new Map<string, ModbusBus>();

  constructor(private readonly clock: Clock) {}

  get(transport: ModbusTransport): ModbusBus {
    const key = transportKey(transport);
    const bus = this.buses.get(key);
    if (!bus) {
      const created = new ModbusBus(transport, this.clock);
      this.buses.set(key, created);
      return created;
    }
    const a = bus.transport;
    if (
      a.kind === "rtu" &&
      transport.kind === "rtu" &&
      (a.baudRate !== transport.baudRate || a.parity !== transport.parity || a.stopBits !== transport.stopBits)
    ) {
      throw new Error(
        `${transport.path}: meters on one RS-485 line need the same settings (${a.baudRate} ${a.parity} ${a.stopBits} vs ${transport.baudRate} ${transport.parity} ${transport.stopBits})`,
      );
    }
    return bus;
  }
}
