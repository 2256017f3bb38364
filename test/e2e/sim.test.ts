import { writeFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import mqtt from "mqtt";
import { afterEach, describe, expect, it } from "vitest";
import { EvsedProcess, runCli, tempDir } from "../helpers/cli.js";

/**
 * `evsed sim` as a developer or a demo uses it: embedded broker, status and records over MQTT, the
 * simulated vehicle driven over `sim/<action>`, and a clean SIGINT.
 */

let proc: EvsedProcess | null = null;
let client: mqtt.MqttClient | null = null;
afterEach(async () => {
  await client?.endAsync();
  client = null;
  if (proc && proc.child.exitCode === null) await proc.kill("SIGKILL");
  proc = null;
});

function nextMessage(
  c: mqtt.MqttClient,
  topic: string,
  match: (p: Record<string, unknown>) => boolean,
  timeoutMs = 30_000,
): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      c.off("message", on);
      reject(new Error(`no matching message on ${topic}`));
    }, timeoutMs);
    const on = (t: string, payload: Buffer) => {
      if (t !== topic) return;
      let p: Record<string, unknown>;
      try {
        p = JSON.parse(payload.toString()) as Record<string, unknown>;
      } catch {
        return;
      }
      if (!match(p)) return;
      clearTimeout(timer);
      c.off("message", on);
      resolve(p);
    };
    c.on("message", on);
  });
}

describe("evsed sim", () => {
  it("charges a vehicle driven over MQTT and leaves a completed session after SIGINT", async () => {
    const dir = tempDir("evsed-sim-");
    writeFileSync(join(dir, "evsed.yaml"), "stationId: demo-1\nmqtt:\n  embeddedBroker:\n    port: 0\n  telemetryIntervalS: 1\n");
    writeFileSync(join(dir, "idle.yaml"), "steps:\n  - { wait: 86400 }\n");
    proc = new EvsedProcess(["sim", "--speed", "20", "--scenario", "idle.yaml", "--no-status-line"], {
      cwd: dir,
      env: { EVSED_AUTHORIZATION__TEST_TOKENS: '["04A1B2C3D4"]' },
    });
    const listening = await proc.waitForMsg("embedded MQTT broker listening");
    await proc.waitForMsg("sim remote: listening");
    client = await mqtt.connectAsync(`mqtt://127.0.0.1:${listening.port as number}`, { protocolVersion: 4 });
    await client.subscribeAsync("evse/demo-1/#", { qos: 1 });
    const base = "evse/demo-1";

    const rejected = nextMessage(client, `${base}/sim/draw/result`, (p) => p.status === "rejected");
    await client.publishAsync(`${base}/sim/draw`, JSON.stringify({ amps: "lots" }));
    expect(String((await rejected).error)).toContain("/amps");

    const charging = nextMessage(client, `${base}/status`, (p) => p.status === "Charging");
    await client.publishAsync(`${base}/sim/plug`, "");
    await client.publishAsync(`${base}/sim/token`, JSON.stringify({ id: "04A1B2C3D4" }));
    const status = await charging;
    expect(status).toMatchObject({ pilot: "C", contactor: "closed", offeredA: 32 });
    await nextMessage(client, `${base}/telemetry`, (p) => (p.powerW as number) > 10_000);

    const ended = nextMessage(client, `${base}/session`, (p) => p.event === "ended");
    await client.publishAsync(`${base}/sim/unplug`, "");
    const record = await ended;
    expect(record.stopReason).toBe("EVDisconnected");
    expect(record.energyWh).toBe((record.registerWh as number) - (record.startRegisterWh as number));
    expect(record.energyWh as number).toBeGreaterThan(0);

    expect((await proc.kill("SIGINT")).code).toBe(0);
    const db = new Database(join(dir, "var", "evsed.db"), { readonly: true });
    const rows = db.prepare("SELECT * FROM sessions").all() as {
      energy_wh: number;
      stop_register_wh: number;
      start_register_wh: number;
      ended_at: string;
    }[];
    db.close();
    expect(rows).toHaveLength(1);
    expect(rows[0]?.ended_at).toBeTruthy();
    expect(rows[0]?.energy_wh).toBe((rows[0]?.stop_register_wh ?? 0) - (rows[0]?.start_register_wh ?? 0));
    expect(rows[0]?.energy_wh).toBe(record.energyWh);
  }, 120_000);

  it("without a config file, runs the built-in demo and rates its intervals with the demo time-of-use tariff", async () => {
    const dir = tempDir("evsed-demo-");
    proc = new EvsedProcess(["sim", "--speed", "200", "--no-status-line"], {
      cwd: dir,
      env: { EVSED_MQTT__EMBEDDED_BROKER__PORT: "0" },
    });
    await proc.waitForMsg("session ended", 60_000);
    expect((await proc.kill("SIGINT")).code).toBe(0);

    const sessions = await runCli(["sessions", "--json"], { cwd: dir });
    expect(sessions.code).toBe(0);
    const ended = sessions.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((r) => r.endedAt !== null);
    expect(ended).toMatchObject({ currency: "USD", stopReason: "EVDisconnected" });
    expect(ended?.costMinor as number).toBeGreaterThan(0);

    const intervals = await runCli(["intervals", "--json", "--session", ended?.id as string], { cwd: dir });
    const rows = intervals.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) {
      const hour = new Date(r.start as string).getUTCHours();
      expect(r).toMatchObject({ tariffId: "demo-tou", priceMinorPerKWh: hour >= 16 && hour < 21 ? 35 : 12 });
    }
  }, 120_000);
});
