import type { Clock } from "../../../drivers/types.js";
import type { Bus } from "../../app/bus.js";
import type { StationControl } from "../../app/control.js";
import type { Logger } from "../../app/log.js";
import type { Config } from "../../config/schema.js";
import type { Db } from "../../store/db.js";
import type { Outbox } from "../../store/outbox.js";
import { EventRecorder } from "../events.js";
import { type ConfigDocument, registerConfigCommands } from "./commands/config.js";
import { configFileDocument } from "./commands/config-file.js";
import { CommandDispatcher } from "./commands/dispatcher.js";
import { CommandRegistry } from "./commands/registry.js";
import { SeenCommands } from "./commands/seen.js";
import { registerStationCommands } from "./commands/station.js";
import { errorText, UplinkConnection } from "./connection.js";
import { DiskWatch } from "./disk.js";
import { discoveryMessages } from "./homeassistant.js";
import { checkMqttConfig, dialUrl } from "./options.js";
import { MqttRequests, type RequestClient } from "./requests.js";
import { OutboxSender } from "./sender.js";
import { StatusPublisher, type StatusSources } from "./status.js";
import { TelemetryPublisher } from "./telemetry.js";
import { parseInbound, Topics } from "./topics.js";

export type { CommandContext, CommandDefinition } from "./commands/registry.js";
export { CommandRegistry, CommandRejected } from "./commands/registry.js";
export type { RequestClient } from "./requests.js";
export { RequestFailed } from "./requests.js";
export type { Activation, StatusBinding, StatusSources } from "./status.js";

export interface UplinkDeps {
  config: Config;
  stationId: string;
  db: Db;
  outbox: Outbox;
  bus: Bus;
  control: StationControl;
  clock: Clock;
  log: Logger;
  /** Restart evsed (the `reboot` command); called after the answer was published. */
  requestRestart(): void;
  /** The config file `setConfig` rewrites; without it `setConfig` is rejected. */
  configFile?: string;
  /** Broker URL to use when `mqtt.url` is absent: the embedded broker's (see src/app/broker.ts). */
  brokerUrl?: string;
  /** Binding and activation for `status`, owned by other services. */
  statusSources?: StatusSources;
  /** Free-space probe for the data directory (tests). */
  diskProbe?: (path: string) => Promise<number>;
  /** Software version shown to Home Assistant. */
  version?: string;
}

export interface Uplink {
  /** Producers call this after committing outbox rows. */
  notify(): void;
  commands: CommandRegistry;
  requests: RequestClient;
  /** Publish `offline`, disconnect, flush acknowledgements. Never rejects. */
  stop(): Promise<void>;
}

/** Config paths the uplink applies without a restart. */
const LIVE_KEYS = new Set(["mqtt.telemetryIntervalS", "mqtt.statusIntervalS"]);

/**
 * Starts the uplink: connection, outbox sender, status and telemetry, commands on `cmd/+`, requests
 * on `req/`/`res/`, disk watch, optional Home Assistant discovery. Resolves at once; connecting
 * happens in the background and an unreachable broker only delays sending.
 */
export async function startUplink(deps: UplinkDeps): Promise<Uplink> {
  const cfg = deps.config.mqtt;
  const { clock, log, bus } = deps;
  checkMqttConfig(cfg);
  let live: Config = deps.config;
  const topics = new Topics(cfg.prefix, deps.stationId);
  const connection = new UplinkConnection({ cfg, url: dialUrl(cfg, deps.brokerUrl), stationId: deps.stationId, topics, clock, log });
  const sender = new OutboxSender({ db: deps.db, outbox: deps.outbox, publisher: connection, window: cfg.inflightWindow, log });
  const notify = (): void => sender.notify();
  const events = new EventRecorder({ db: deps.db, outbox: deps.outbox, bus, clock, stationId: deps.stationId, notify });
  const recordSafely = (kind: string, detail: Record<string, unknown>): void => {
    try {
      events.record(kind, detail);
    } catch (err) {
      log.error({ kind, err: errorText(err) }, "uplink: could not record an event");
    }
  };

  const status = new StatusPublisher({
    bus,
    initial: deps.control.snapshot(),
    clock,
    log,
    intervalS: cfg.statusIntervalS,
    ...(deps.statusSources ? { sources: deps.statusSources } : {}),
    isUp: () => connection.isUp(),
    publish: (payload) => connection.publishAsync("status", payload, { qos: 1, retain: true }),
  });
  const telemetry = new TelemetryPublisher({
    bus,
    clock,
    intervalS: cfg.telemetryIntervalS,
    isUp: () => connection.isUp(),
    publish: (payload) => connection.publish("telemetry", payload, { qos: 0 }),
  });
  const thresholdBytes = cfg.diskLowMb * 1024 * 1024;
  const disk = new DiskWatch({
    path: deps.config.dataDir,
    thresholdBytes,
    checkS: cfg.diskCheckS,
    clock,
    log,
    ...(deps.diskProbe ? { probe: deps.diskProbe } : {}),
    onLow: (low, free) => {
      telemetry.pause(low);
      log.warn(
        { freeBytes: free, thresholdBytes },
        low ? "uplink: disk low, telemetry stopped" : "uplink: disk space back, telemetry resumed",
      );
      recordSafely("storage", { condition: "diskLow", raised: low, freeBytes: free, thresholdBytes });
    },
  });

  const commands = new CommandRegistry();
  registerStationCommands(commands, deps.control, deps.requestRestart);
  const document: ConfigDocument | undefined = deps.configFile ? configFileDocument(deps.configFile) : undefined;
  registerConfigCommands(commands, {
    current: () => live,
    ...(document ? { document } : {}),
    applyLive: (next, changed) => {
      if (!changed.every((p) => LIVE_KEYS.has(p))) return false;
      live = next;
      telemetry.setIntervalS(next.mqtt.telemetryIntervalS);
      status.setIntervalS(next.mqtt.statusIntervalS);
      return true;
    },
    onChanged: (changed, outcome) => recordSafely("config", { source: "command", changed, outcome }),
  });
  const dispatcher = new CommandDispatcher({
    registry: commands,
    seen: new SeenCommands(deps.db, cfg.commandWindow),
    clock,
    log,
    answer: (name, result) => connection.publishAsync(`cmd/${name}/result`, JSON.stringify(result), { qos: 1 }),
    onRejected: (name, result) => {
      log.warn({ command: name, cmdId: result.cmdId, code: result.error?.code }, "uplink: command rejected");
      recordSafely("security", {
        reason: "commandRejected",
        command: name,
        cmdId: result.cmdId,
        code: result.error?.code,
        problem: result.error?.message,
      });
    },
  });
  const requests = new MqttRequests({
    clock,
    isUp: () => connection.isUp(),
    publish: (suffix, payload) => connection.publishAsync(suffix, payload, { qos: 1 }),
  });

  connection.on({
    up: () => {
      sender.connected();
      status.publishNow();
      if (cfg.homeAssistant.enabled) {
        for (const m of discoveryMessages(cfg.homeAssistant.discoveryPrefix, deps.stationId, topics, deps.version ?? "0")) {
          connection.publishTopic(m.topic, m.payload, { qos: 1, retain: true });
        }
      }
    },
    down: () => sender.disconnected(),
    message: (suffix, payload) => {
      const inbound = parseInbound(suffix);
      if (inbound?.kind === "cmd") void dispatcher.handle(inbound.name, payload);
      else if (inbound?.kind === "res") requests.answer(inbound.name, payload);
    },
  });

  status.start();
  telemetry.start();
  await disk.start();
  connection.start();

  return {
    notify,
    commands,
    requests,
    stop: async () => {
      status.stop();
      telemetry.stop();
      disk.stop();
      requests.close();
      await connection.stop();
      try {
        sender.close();
      } catch (err) {
        log.error({ err: errorText(err) }, "uplink: could not delete sent records");
      }
    },
  };
}
