import mqtt from "mqtt";
import { parseSimAction, type SimWorld } from "../../drivers/sim/index.js";
import type { Logger } from "./log.js";

/** The simulated board's remote control. */
export interface SimRemote {
  stop(): Promise<void>;
}

/**
 * Lets tests, demos and other programs drive the simulated vehicle over MQTT:
 * `<prefix>/<stationId>/sim/<action>` with the action's arguments as a JSON object (or an empty
 * payload), e.g. `sim/plug`, `sim/token {"id":"04A1B2C3D4"}`, `sim/draw {"amps":10}`.
 * Each message is answered on `sim/<action>/result` with `{status: "ok"}` or
 * `{status: "rejected", error}`; a bad message changes nothing.
 */
export async function startSimRemote(opts: {
  url: string;
  prefix: string;
  stationId: string;
  world: SimWorld;
  log: Logger;
}): Promise<SimRemote> {
  const base = `${opts.prefix}/${opts.stationId}/sim/`;
  const client = mqtt.connect(opts.url, { clientId: `${opts.stationId}-sim`, reconnectPeriod: 1000, protocolVersion: 4 });
  client.on("connect", () => {
    client.subscribe(`${base}+`, { qos: 1 }, (err) => {
      if (err) opts.log.warn({ err: err.message }, "sim remote: subscribe failed");
      else opts.log.info({ topic: `${base}+` }, "sim remote: listening");
    });
  });
  client.on("error", (err) => opts.log.debug({ err: err.message }, "sim remote: connection error"));
  client.on("message", (topic, payload) => {
    const name = topic.slice(base.length);
    if (name.includes("/")) return;
    let result: { status: "ok" } | { status: "rejected"; error: string };
    try {
      const text = payload.toString("utf8").trim();
      const args: unknown = text === "" ? {} : JSON.parse(text);
      opts.world.act(parseSimAction(name, args, topic));
      result = { status: "ok" };
      opts.log.info({ action: name }, "sim remote: action applied");
    } catch (err) {
      const error = err instanceof Error ? err.message : String(err);
      result = { status: "rejected", error: err instanceof SyntaxError ? `${topic}: not valid JSON: ${error}` : error };
      opts.log.warn({ action: name, error: result.error }, "sim remote: action rejected");
    }
    client.publish(`${topic}/result`, JSON.stringify(result), { qos: 0 });
  });
  return {
    stop: () => new Promise<void>((resolve) => client.end(false, {}, () => resolve())),
  };
}
