import { readFileSync } from "node:fs";
import type { IClientOptions } from "mqtt";
import type { Config } from "../../config/schema.js";
import { InputError } from "../../config/validate.js";
import type { Topics } from "./topics.js";

export type MqttConfig = Config["mqtt"];

/** MQTT protocol level on the wire: 5, or 4 for 3.1.1. */
export type ProtocolLevel = 4 | 5;

/**
 * mqtt.js options for one connection attempt. Files (CA, certificate, key, password file) are read on
 * every attempt so a renewed certificate is picked up at the next reconnect. mqtt.js's own reconnect is
 * off (`reconnectPeriod: 0`): the connection drives reconnects with backoff and jitter. The session is
 * persistent (`clean: false`) so commands queued while the station was away are delivered; the will
 * marks the station offline (retained).
 */
export function clientOptions(cfg: MqttConfig, stationId: string, topics: Topics, protocolVersion: ProtocolLevel): IClientOptions {
  const opts: IClientOptions = {
    clientId: stationId,
    protocolVersion,
    clean: false,
    keepalive: cfg.keepaliveS,
    connectTimeout: cfg.connectTimeoutS * 1000,
    reconnectPeriod: 0,
    resubscribe: false,
    queueQoSZero: false,
    will: { topic: topics.of("availability"), payload: Buffer.from("offline"), qos: 1, retain: true },
  };
  if (protocolVersion === 5) opts.properties = { sessionExpiryInterval: cfg.sessionExpiryS };
  if (cfg.username !== undefined) opts.username = cfg.username;
  const password = readPassword(cfg);
  if (password !== undefined) {
    if (cfg.username === undefined)
      throw new InputError("config", "/mqtt/username", "is required with a password (MQTT sends no password alone)");
    opts.password = password;
  }
  if (cfg.tls) {
    if (cfg.tls.ca) opts.ca = readFileSync(cfg.tls.ca);
    if (cfg.tls.cert) opts.cert = readFileSync(cfg.tls.cert);
    if (cfg.tls.key) opts.key = readFileSync(cfg.tls.key);
    opts.rejectUnauthorized = cfg.tls.rejectUnauthorized;
  }
  return opts;
}

/** The broker password: `passwordFile` (first line, trimmed) wins over `password`. */
function readPassword(cfg: MqttConfig): string | undefined {
  if (cfg.passwordFile) return readFileSync(cfg.passwordFile, "utf8").split(/\r?\n/)[0]?.trim() ?? "";
  return cfg.password;
}

/** Configuration mistakes that no reconnect can fix; thrown by `startUplink`. */
export function checkMqttConfig(cfg: MqttConfig): void {
  if ((cfg.password !== undefined || cfg.passwordFile !== undefined) && cfg.username === undefined) {
    throw new InputError("config", "/mqtt/username", "is required with a password (MQTT sends no password alone)");
  }
  if ((cfg.tls?.cert === undefined) !== (cfg.tls?.key === undefined)) {
    throw new InputError("config", "/mqtt/tls", "cert and key go together");
  }
}

/**
 * The URL to dial. A `mqtts://` URL — or TLS settings on a `mqtt://` URL — uses TLS; `tcp://` is
 * mqtt.js's alias of `mqtt://`.
 */
export function dialUrl(cfg: MqttConfig, fallback?: string): string {
  const url = cfg.url ?? fallback;
  if (!url) throw new Error("mqtt.url is not set and no embedded broker is running");
  if (cfg.tls && url.startsWith("mqtt://")) return `mqtts://${url.slice("mqtt://".length)}`;
  return url;
}
