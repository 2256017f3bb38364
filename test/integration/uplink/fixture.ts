import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ValidateFunction } from "ajv";
import mqtt, { type IClientOptions, type MqttClient } from "mqtt";
import { SystemClock } from "../../../drivers/clock/system.js";
import { Bus, type ChargeSnapshot } from "../../../src/app/bus.js";
import type { StationControl } from "../../../src/app/control.js";
import { silentLogger } from "../../../src/app/log.js";
import { type Config, ConfigSchema } from "../../../src/config/schema.js";
import { createAjv, Validator } from "../../../src/config/validate.js";
import { type Db, openDb } from "../../../src/store/db.js";
import { Outbox } from "../../../src/store/outbox.js";
import { idleSnapshot } from "../../helpers/snapshot.js";

/** A validated configuration for tests: defaults plus `mqtt` overrides. */
export function testConfig(dataDir: string, mqttOverrides: Record<string, unknown>, stationId = "st-1"): Config {
  return new Validator(ConfigSchema).check(
    { stationId, dataDir, mqtt: { reconnectMinMs: 100, reconnectMaxMs: 1000, ...mqttOverrides } },
    "test config",
  );
}

/** A StationControl that records every call and changes its snapshot like the controller would. */
export class FakeControl implements StationControl {
  readonly calls: string[] = [];
  state: ChargeSnapshot = idleSnapshot(Date.now());

  snapshot(): ChargeSnapshot {
    return this.state;
  }
  authorize(tokenId: string | null, source: string): void {
    this.calls.push(`authorize(${tokenId},${source})`);
    this.state = { ...this.state, authorized: true };
  }
  stopCharging(reason: string): void {
    this.calls.push(`stopCharging(${reason})`);
  }
  setLimit(source: string, amps: number | null): void {
    this.calls.push(`setLimit(${source},${amps})`);
  }
  setAvailability(available: boolean): void {
    this.calls.push(`setAvailability(${available})`);
    this.state = { ...this.state, available, status: available ? "Available" : "Unavailable" };
  }
  clearFaults(): void {
    this.calls.push("clearFaults()");
  }
}

/** A station's store in a temp dir: the SQLite file, the outbox, a bus and a real clock. */
export class StationStore {
  readonly dir = mkdtempSync(join(tmpdir(), "evsed-uplink-"));
  readonly dbPath = join(this.dir, "evsed.db");
  db: Db;
  outbox: Outbox;
  readonly bus = new Bus();
  readonly clock = new SystemClock(() => true);
  readonly log = silentLogger();

  constructor() {
    this.db = openDb(this.dbPath).db;
    this.outbox = new Outbox(this.db);
  }

  /** What every uplink of this store needs besides its config and station-specific hooks. */
  uplinkDeps(stationId: string, control: StationControl) {
    return { stationId, db: this.db, outbox: this.outbox, bus: this.bus, control, clock: this.clock, log: this.log };
  }

  /** Append `n` event records in one transaction (as producers do); returns their seqs. */
  append(n: number, kind = "test"): number[] {
    return this.db.transaction(() => {
      const seqs: number[] = [];
      for (let i = 0; i < n; i++) {
        seqs.push(this.outbox.append("event", "2026-11-22T10:15:00Z", (seq) => ({ seq, ts: "2026-11-22T10:15:00Z", kind, detail: { i } })));
      }
      return seqs;
    })();
  }

  /** Close and reopen the SQLite file, as a restarted process would. */
  reopen(): void {
    this.db.close();
    this.db = openDb(this.dbPath).db;
    this.outbox = new Outbox(this.db);
  }

  dispose(): void {
    if (this.db.open) this.db.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export interface Received {
  readonly topic: string;
  readonly payload: Buffer;
  readonly retain: boolean;
  readonly qos: number;
}

/** An MQTT client in the role of the utility: records what it receives, lets tests wait for it. */
export class Subscriber {
  readonly received: Received[] = [];
  private waiters: (() => void)[] = [];

  private constructor(readonly client: MqttClient) {
    client.on("message", (topic, payload, packet) => {
      this.received.push({ topic, payload, retain: packet.retain, qos: packet.qos });
      for (const w of this.waiters.splice(0)) w();
    });
  }

  static async connect(url: string, topics: string[], opts: IClientOptions = {}): Promise<Subscriber> {
    const client = await mqtt.connectAsync(url, { reconnectPeriod: 200, protocolVersion: 4, ...opts });
    const s = new Subscriber(client);
    await client.subscribeAsync(topics, { qos: 1 });
    return s;
  }

  on(topic: string): Received[] {
    return this.received.filter((r) => r.topic === topic);
  }

  json<T = Record<string, unknown>>(topic: string): T[] {
    return this.on(topic).map((r) => JSON.parse(r.payload.toString("utf8")) as T);
  }

  /** Resolves once `pred()` holds, re-checked on every message; rejects after `timeoutMs`. */
  waitFor(pred: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
    if (pred()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), timeoutMs);
      const check = (): void => {
        if (pred()) {
          clearTimeout(timer);
          resolve();
        } else this.waiters.push(check);
      };
      this.waiters.push(check);
    });
  }

  async close(): Promise<void> {
    await this.client.endAsync(true);
  }
}

/** Compiled validators for the documented payload schemas (docs/schemas). */
export function docSchemas(): (name: string) => ValidateFunction {
  const ajv = createAjv();
  const dir = join(import.meta.dirname, "../../../docs/schemas");
  const cache = new Map<string, ValidateFunction>();
  return (name) => {
    let fn = cache.get(name);
    if (!fn) {
      fn = ajv.compile(JSON.parse(readFileSync(join(dir, `${name}.schema.json`), "utf8")) as object);
      cache.set(name, fn);
    }
    return fn;
  };
}

/** Throws with ajv's errors unless `value` matches the documented schema `name`. */
export function expectSchema(schemas: (name: string) => ValidateFunction, name: string, value: unknown): void {
  const fn = schemas(name);
  if (!fn(value)) throw new Error(`${name}: ${JSON.stringify(fn.errors)} in ${JSON.stringify(value).slice(0, 500)}`);
}

/** Resolves once `pred()` holds, checked every 20 ms (for state that no message announces). */
export async function waitUntil(pred: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
