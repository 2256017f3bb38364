import type { DriverLog } from "../driver-log.js";
import { Listeners } from "../listeners.js";
import type { Clock, Meter, MeterReading, Unsubscribe } from "../types.js";
import type { ModbusBus } from "./bus.js";
import { decodeRegisters } from "./decode.js";
import type { MeterMap, Quantity } from "./map-schema.js";
import { type PlannedRead, planReads } from "./planner.js";
import { Plausibility } from "./plausibility.js";

/** What the meter reports besides readings: one event per failed read, loss and recovery. */
export type MeterStatus =
  | { readonly kind: "error"; readonly meter: string; readonly error: string; readonly consecutive: number }
  | { readonly kind: "lost"; readonly meter: string; readonly error: string; readonly consecutive: number }
  | { readonly kind: "restored"; readonly meter: string };

export interface ModbusMeterOptions {
  /** Names the meter in errors, e.g. `sdm630@/dev/ttyUSB0#1`. */
  readonly name: string;
  readonly map: MeterMap;
  readonly bus: ModbusBus;
  readonly unitId: number;
  readonly clock: Clock;
  readonly log: DriverLog;
  readonly timeoutMs: number;
  /** Consecutive failed reads after which the meter counts as lost. */
  readonly maxFailures: number;
  readonly maxPowerW: number;
  readonly nominalVoltageV: number;
  /** Extra attempts of a request that failed in transport (timeout, CRC, closed line); not for bad values. */
  readonly retries?: number;
  /** First retry delay, doubled per attempt; also the first wait between reads of a lost meter. */
  readonly backoffMs?: number;
  /** Longest wait between reads of a lost meter. */
  readonly maxBackoffMs?: number;
}

/** Why a read was refused after the transport worked: not retried. */
class ImplausibleError extends Error {}

/**
 * A Modbus meter driven by its register map. Contract:
 * - `read()` reads the whole map in the planned requests, decodes and checks it (invalid sentinels,
 *   NaN, plausibility); it resolves with a complete reading or rejects naming the meter and the
 *   problem, and a rejected read changes nothing;
 * - transport failures are retried `retries` times with doubling delays; implausible values are not;
 * - every failed read is one `error` status; the `maxFailures`-th in a row also reports `lost`; while
 *   lost, reads are attempted only after a backoff that doubles up to `maxBackoffMs` (other reads
 *   reject at once without touching the bus); the first good read reports `restored`.
 */
export class ModbusMeter implements Meter {
  private readonly plan: PlannedRead[];
  private readonly plausibility: Plausibility;
  private readonly statuses: Listeners<MeterStatus>;
  private failures = 0;
  private lost = false;
  private nextAttemptAt = 0;
  private started = false;

  constructor(private readonly opts: ModbusMeterOptions) {
    this.plan = planReads(opts.map);
    this.plausibility = new Plausibility({ maxPowerW: opts.maxPowerW, nominalVoltageV: opts.nominalVoltageV });
    this.statuses = new Listeners((err) => opts.log.warn(`meter status listener failed: ${String(err)}`));
  }

  /** The requests one `read()` makes. */
  get requestsPerRead(): number {
    return this.plan.length;
  }

  onStatus(listener: (status: MeterStatus) => void): Unsubscribe {
    return this.statuses.add(listener);
  }

  async start(): Promise<void> {
    await this.opts.bus.acquire();
    this.started = true;
  }

  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    await this.opts.bus.release();
  }

  async read(): Promise<MeterReading> {
    const { clock, name } = this.opts;
    if (!this.started) throw new Error(`${name}: not started`);
    if (this.lost && clock.monotonic() < this.nextAttemptAt) {
      throw new Error(`${name}: meter lost; next attempt in ${Math.ceil((this.nextAttemptAt - clock.monotonic()) / 1000)} s`);
    }
    try {
      const reading = this.compose(await this.readAll());
      const at = clock.monotonic();
      const problem = this.plausibility.check(reading, at);
      if (problem) throw new ImplausibleError(problem);
      this.plausibility.accept(reading, at);
      this.succeeded();
      return reading;
    } catch (err) {
      throw this.failed(err);
    }
  }

  private async readAll(): Promise<Map<Quantity, number>> {
    const values = new Map<Quantity, number>();
    const { map } = this.opts;
    for (const p of this.plan) {
      const words = await this.request(p);
      for (const item of p.items) {
        const reg = map.registers[item.quantity];
        if (!reg) continue;
        const { value, hex } = decodeRegisters(
          words.slice(item.offset, item.offset + item.count),
          reg.type,
          reg.wordOrder ?? map.wordOrder,
        );
        if (map.invalid?.includes(hex)) throw new ImplausibleError(`${item.quantity} holds the 'no value' marker ${hex}`);
        if (!Number.isFinite(value)) throw new ImplausibleError(`${item.quantity} is not a number (${hex})`);
        values.set(item.quantity, value * (reg.scale ?? 1));
      }
    }
    return values;
  }

  private async request(p: PlannedRead): Promise<number[]> {
    const retries = this.opts.retries ?? 1;
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.opts.bus.read(this.opts.unitId, p.functionCode, p.address, p.count, this.opts.timeoutMs);
      } catch (err) {
        if (attempt >= retries || isException(err)) throw err;
        await this.wait((this.opts.backoffMs ?? 50) * 2 ** attempt);
      }
    }
  }

  private compose(v: Map<Quantity, number>): MeterReading {
    const phases = this.opts.map.phases === 3 ? (["L1", "L2", "L3"] as const) : (["L1"] as const);
    const pick = (prefix: "voltage" | "current" | "power") =>
      phases.map((l) => v.get(`${prefix}${l}`)).filter((x): x is number => x !== undefined);
    const powerW = v.get("power") ?? pick("power").reduce((a, b) => a + b, 0);
    const frequency = v.get("frequency");
    return {
      importWh: Math.round(v.get("importEnergy") ?? Number.NaN),
      exportWh: Math.round(v.get("exportEnergy") ?? 0),
      powerW,
      voltageV: pick("voltage"),
      currentA: pick("current"),
      ...(frequency !== undefined ? { frequencyHz: frequency } : {}),
    };
  }

  private succeeded(): void {
    this.failures = 0;
    this.nextAttemptAt = 0;
    if (this.lost) {
      this.lost = false;
      this.opts.log.info(`${this.opts.name}: meter readings restored`);
      this.statuses.emit({ kind: "restored", meter: this.opts.name });
    }
  }

  private failed(err: unknown): Error {
    const { name, maxFailures, clock } = this.opts;
    const text = `${name}: ${err instanceof ImplausibleError ? "implausible reading: " : ""}${describe(err)}`;
    this.failures++;
    this.statuses.emit({ kind: "error", meter: name, error: text, consecutive: this.failures });
    if (this.failures >= maxFailures) {
      const backoff = Math.min((this.opts.backoffMs ?? 50) * 2 ** (this.failures - maxFailures + 4), this.opts.maxBackoffMs ?? 30_000);
      this.nextAttemptAt = clock.monotonic() + backoff;
      if (!this.lost) {
        this.lost = true;
        this.opts.log.warn(`${name}: meter lost after ${this.failures} failed reads: ${text}`);
        this.statuses.emit({ kind: "lost", meter: name, error: text, consecutive: this.failures });
      }
    }
    return new Error(text);
  }

  private wait(ms: number): Promise<void> {
    return new Promise((resolve) => this.opts.clock.setTimer(ms, resolve));
  }
}

/** modbus-serial rejects with plain objects that carry `message` (e.g. its timeout). */
function describe(err: unknown): string {
  if (typeof err === "object" && err !== null && "message" in err && typeof err.message === "string") return err.message;
  return String(err);
}

/** A Modbus exception reply is an answer: retrying it changes nothing. */
function isException(err: unknown): boolean {
  return typeof err === "object" && err !== null && "modbusCode" in err;
}
