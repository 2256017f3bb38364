import { join } from "node:path";
import mqtt, { type MqttClient } from "mqtt";
import { ManualClock } from "../../../drivers/clock/manual.js";
import type { SimWorld } from "../../../drivers/sim/index.js";
import { silentLogger } from "../../../src/app/log.js";
import { packageRoot } from "../../../src/app/paths.js";
import { Station } from "../../../src/app/station.js";
import { loadBoard } from "../../../src/config/load.js";
import type { Config } from "../../../src/config/schema.js";
import { tempDir } from "../../helpers/cli.js";
import { testConfig } from "../../helpers/station.js";

export type Script = (name: string, req: Record<string, unknown>) => Record<string, unknown> | null;

/**
 * The utility in P1 and SGEM scenarios: a real MQTT client that answers `req/<name>` per `script`
 * (null: stays silent) and keeps everything the station publishes.
 */
export class Utility {
  readonly messages: { topic: string; body: unknown }[] = [];
  script: Script = () => null;

  private constructor(readonly client: MqttClient) {
    client.on("message", (topic, payload) => {
      const text = payload.toString("utf8");
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // availability is plain text
      }
      this.messages.push({ topic, body });
      const m = /^evse\/([^/]+)\/req\/([^/]+)$/.exec(topic);
      if (m && typeof body === "object" && body !== null) {
        const req = body as Record<string, unknown>;
        const answer = this.script(m[2] as string, req);
        if (answer) void client.publishAsync(`evse/${m[1]}/res/${m[2]}`, JSON.stringify({ reqId: req.reqId, ...answer }), { qos: 1 });
      }
    });
  }

  static async connect(url: string): Promise<Utility> {
    // A persistent session: what the station sends while the utility reconnects after a broker restart is queued.
    const client = await mqtt.connectAsync(url, {
      reconnectPeriod: 100,
      protocolVersion: 4,
      clean: false,
      clientId: `utility-${process.pid}`,
    });
    const u = new Utility(client);
    await client.subscribeAsync(["evse/#"], { qos: 1 });
    return u;
  }

  /** Bodies published on `evse/<station>/<suffix>`. */
  on<T = Record<string, unknown>>(station: string, suffix: string): T[] {
    return this.messages.filter((m) => m.topic === `evse/${station}/${suffix}`).map((m) => m.body as T);
  }

  async command(station: string, name: string, payload: Record<string, unknown>): Promise<void> {
    await this.client.publishAsync(`evse/${station}/cmd/${name}`, JSON.stringify({ cmdId: `${name}-${Math.random()}`, ...payload }), {
      qos: 1,
    });
  }

  async close(): Promise<void> {
    await this.client.endAsync(true);
  }
}

/** A sim-board station with the uplink on `url`, on simulated time. */
export async function stationOn(url: string, stationId: string, overrides: Partial<Config> = {}) {
  const clock = new ManualClock();
  const base = testConfig();
  const config: Config = {
    ...base,
    stationId,
    premiseId: "PREMISE-1",
    mqtt: { ...base.mqtt, url, protocolVersion: 4, reconnectMinMs: 100, reconnectMaxMs: 500 },
    ...overrides,
  };
  const { board } = loadBoard(join(packageRoot(), "boards", "sim.json"));
  const station = new Station({
    config,
    board,
    clock,
    log: silentLogger(),
    baseDir: tempDir("evsed-auth-it-"),
    uplink: { requestRestart: () => {} },
  });
  await station.start();
  const world = station.drivers.sim?.world as SimWorld;
  const advance = async (ms: number) => {
    await clock.advanceAsync(ms, 100);
    await station.sessions.settled();
  };
  /** Advance simulated time in small steps, letting real network I/O through, until `pred` holds. */
  const until = async (pred: () => boolean, what: string, maxSimMs = 120_000) => {
    const start = clock.monotonic();
    while (!pred()) {
      if (clock.monotonic() - start > maxSimMs) throw new Error(`not reached within ${maxSimMs} ms of simulated time: ${what}`);
      await advance(100);
      await new Promise((r) => setTimeout(r, 2));
    }
  };
  return { station, clock, world, advance, until };
}
