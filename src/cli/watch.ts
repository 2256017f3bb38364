import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import type { Command } from "commander";
import mqtt, { type IClientOptions } from "mqtt";
import { loadConfig } from "../config/load.js";
import type { Config } from "../config/schema.js";
import { configPath, type GlobalOptions } from "./context.js";
import { EXIT, reportError, UsageError } from "./errors.js";

export interface WatchOptions {
  readonly url: string;
  readonly prefix: string;
  /** A station id, or null for every station under the prefix. */
  readonly station: string | null;
  readonly json: boolean;
  readonly out: NodeJS.WritableStream;
  /** Ends the watch. */
  readonly signal: AbortSignal;
  /** Credentials and TLS, from the config when it names the same broker. */
  readonly client?: IClientOptions;
}

/** One received message as `--json` prints it (one line each). */
export interface WatchedMessage {
  readonly topic: string;
  readonly station: string;
  /** The topic below the station, e.g. `status`, `cmd/setLimit/result`. */
  readonly kind: string;
  readonly retained: boolean;
  /** Parsed JSON, or the text when the payload is not JSON (availability). */
  readonly payload: unknown;
}

/**
 * `evsed watch [--station ID] [--url URL] [--json]`: subscribes to `<prefix>/<station|+>/#` and prints
 * what a utility receives, one line per message, until SIGINT/SIGTERM. Without `--url` it uses
 * `mqtt.url` from the config (with its credentials and TLS), else the embedded broker's address.
 */
export function registerWatch(program: Command): void {
  program
    .command("watch")
    .description("print what a utility receives from a station (or all stations) over MQTT")
    .option("--station <id>", "only this station")
    .option("--url <url>", "broker URL; default mqtt.url from the config, else the embedded broker")
    .option("--json", "one JSON object per line")
    .action(async (opts: { station?: string; url?: string; json?: boolean }, cmd: Command) => {
      const controller = new AbortController();
      const stop = (): void => controller.abort();
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
      try {
        const config = loadConfig({ file: configPath(cmd.optsWithGlobals<GlobalOptions>()), env: process.env }).config;
        if (opts.station !== undefined && !/^[A-Za-z0-9._-]{1,64}$/.test(opts.station))
          throw new UsageError(`--station: '${opts.station}' is not a station id`);
        const url = opts.url ?? config.mqtt.url ?? `mqtt://${config.mqtt.embeddedBroker.host}:${config.mqtt.embeddedBroker.port}`;
        await watch({
          url,
          prefix: config.mqtt.prefix,
          station: opts.station ?? null,
          json: opts.json === true,
          out: process.stdout,
          signal: controller.signal,
          client: opts.url === undefined || opts.url === config.mqtt.url ? credentials(config) : {},
        });
        process.exitCode = EXIT.ok;
      } catch (err) {
        process.exitCode = reportError(err);
      } finally {
        process.off("SIGINT", stop);
        process.off("SIGTERM", stop);
      }
    });
}

/** Subscribe and print until `signal` aborts. Rejects when the first connection fails. */
export async function watch(opts: WatchOptions): Promise<void> {
  const filter = `${opts.prefix}/${opts.station ?? "+"}/#`;
  const client = await mqtt.connectAsync(opts.url, {
    clientId: `evsed-watch-${randomUUID().slice(0, 8)}`,
    protocolVersion: 4,
    clean: true,
    reconnectPeriod: 2000,
    connectTimeout: 10_000,
    ...opts.client,
  });
  client.on("error", (err) => process.stderr.write(`evsed watch: ${err.message}\n`));
  client.on("message", (topic, payload, packet) => {
    const msg = toWatched(opts.prefix, topic, payload, packet.retain);
    if (msg) opts.out.write(`${opts.json ? JSON.stringify(msg) : describe(msg)}\n`);
  });
  await client.subscribeAsync(filter, { qos: 1 });
  if (!opts.json) process.stderr.write(`watching ${filter} on ${opts.url} (Ctrl-C to stop)\n`);
  if (!opts.signal.aborted) await new Promise<void>((resolve) => opts.signal.addEventListener("abort", () => resolve(), { once: true }));
  await client.endAsync();
}

/** Splits a topic under the prefix into station and kind and parses the payload. */
export function toWatched(prefix: string, topic: string, payload: Buffer, retained: boolean): WatchedMessage | null {
  if (!topic.startsWith(`${prefix}/`)) return null;
  const rest = topic.slice(prefix.length + 1);
  const slash = rest.indexOf("/");
  if (slash < 0) return null;
  const text = payload.toString("utf8");
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  return { topic, station: rest.slice(0, slash), kind: rest.slice(slash + 1), retained, payload: body };
}

/** One readable line: station, kind and the fields a person looks for first. */
export function describe(m: WatchedMessage): string {
  const p = (typeof m.payload === "object" && m.payload !== null ? m.payload : {}) as Record<string, unknown>;
  const head = `${m.station} ${m.kind}${m.retained ? " (retained)" : ""}`;
  const seq = p.seq !== undefined ? `#${String(p.seq)} ` : "";
  switch (true) {
    case m.kind === "availability":
      return `${head}: ${String(m.payload)}`;
    case m.kind === "status":
      return `${head}: ${p.status} pilot ${p.pilot ?? "?"} ${p.offeredA} A contactor ${p.contactor}${p.sessionId ? ` session ${p.sessionId}` : ""}${
        Array.isArray(p.faults) && p.faults.length ? ` faults ${p.faults.join(",")}` : ""
      } @ ${p.ts}`;
    case m.kind === "telemetry":
      return `${head}: ${p.powerW} W, import ${p.importWh} Wh, export ${p.exportWh} Wh @ ${p.ts}`;
    case m.kind === "session":
      return `${head}: ${seq}${p.event} ${p.sessionId} ${p.energyWh} Wh${p.stopReason ? ` (${p.stopReason})` : ""}`;
    case m.kind === "interval":
      return `${head}: ${seq}${p.start} +${p.durationS}s import ${p.importWh} Wh export ${p.exportWh} Wh`;
    case m.kind === "event":
      return `${head}: ${seq}${p.kind} ${JSON.stringify(p.detail ?? {})} @ ${p.ts}`;
    case m.kind.endsWith("/result"): {
      const err = p.error as { code?: string; message?: string } | undefined;
      return `${head}: ${p.cmdId} ${p.status}${err ? ` ${err.code}: ${err.message}` : ""}${p.data !== undefined ? ` ${JSON.stringify(p.data)}` : ""}`;
    }
    default:
      return `${head}: ${typeof m.payload === "string" ? m.payload : JSON.stringify(m.payload)}`;
  }
}

/** Username, password and TLS of the config, for watching the station's own broker. */
function credentials(config: Config): IClientOptions {
  const c = config.mqtt;
  const out: IClientOptions = {};
  if (c.username !== undefined) out.username = c.username;
  const password = c.passwordFile ? readFileSync(c.passwordFile, "utf8").split(/\r?\n/)[0]?.trim() : c.password;
  if (password !== undefined && c.username !== undefined) out.password = password;
  if (c.tls?.ca) out.ca = readFileSync(c.tls.ca);
  if (c.tls?.cert) out.cert = readFileSync(c.tls.cert);
  if (c.tls?.key) out.key = readFileSync(c.tls.key);
  if (c.tls) out.rejectUnauthorized = c.tls.rejectUnauthorized;
  return out;
}
