import mqtt, { type IConnackPacket, type MqttClient } from "mqtt";
import type { Clock, TimerHandle } from "../../../drivers/types.js";
import type { Logger } from "../../app/log.js";
import { Backoff } from "./backoff.js";
import { clientOptions, type MqttConfig, type ProtocolLevel } from "./options.js";
import type { Topics } from "./topics.js";

/** What a connection tells its users. */
export interface ConnectionListener {
  /** Connected, subscribed (re-subscribed when the broker had lost the session), `online` published. */
  up(info: { sessionPresent: boolean; protocolVersion: ProtocolLevel }): void;
  /** The connection was lost or closed; everything not yet acknowledged is in doubt. */
  down(): void;
  /** A message on one of the station's subscriptions, as a topic suffix. */
  message(suffix: string, payload: Buffer): void;
}

export type PublishCallback = (err?: Error) => void;

/** Longest a clean stop waits for the broker (the `offline` PUBACK, then the in-flight ones). */
const STOP_GRACE_MS = 2000;

/** mqtt.js connack codes meaning "the broker does not speak this protocol level" (3.1.1: 1, MQTT 5: 132). */
const UNSUPPORTED_PROTOCOL = new Set<number>([1, 132]);

/**
 * The station's MQTT connection. Contract:
 * - One mqtt.js client per connection attempt; a client that closed is ended and dropped, so no
 *   packet of an earlier connection is ever re-sent by mqtt.js behind the outbox's back.
 * - Reconnects with exponential backoff and jitter (`reconnectMinMs`…`reconnectMaxMs`), reset once a
 *   connection is up. A broker that refuses MQTT 5 makes the next attempts use 3.1.1.
 * - On every connack: subscribe `cmd/+` and `res/+` (QoS 1) unless the broker kept the session, then
 *   publish `availability` = `online` retained, then tell listeners `up`. Messages are delivered from
 *   the connack on, so commands queued in a kept session are not lost.
 * - `publish` fails at once (callback with an error) while there is no connection.
 */
export class UplinkConnection {
  private client: MqttClient | null = null;
  private ready = false;
  private stopped = true;
  private retry: TimerHandle | null = null;
  private protocol: ProtocolLevel;
  private fellBack = false;
  private readonly backoff: Backoff;
  private readonly listeners = new Set<Partial<ConnectionListener>>();

  constructor(
    private readonly deps: {
      cfg: MqttConfig;
      url: string;
      stationId: string;
      topics: Topics;
      clock: Clock;
      log: Logger;
      random?: () => number;
    },
  ) {
    this.protocol = deps.cfg.protocolVersion;
    this.backoff = new Backoff(deps.cfg.reconnectMinMs, deps.cfg.reconnectMaxMs, deps.random);
  }

  on(listener: Partial<ConnectionListener>): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** True between `up` and `down`. */
  isUp(): boolean {
    return this.ready;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.dial();
  }

  /** Publish below the station root; `cb` runs on PUBACK (QoS 1) or once written (QoS 0). */
  publish(suffix: string, payload: string | Buffer, opts: { qos: 0 | 1; retain?: boolean }, cb: PublishCallback = () => {}): void {
    this.publishTopic(this.deps.topics.of(suffix), payload, opts, cb);
  }

  /** Publish on a full topic outside the station root (Home Assistant discovery). */
  publishTopic(topic: string, payload: string | Buffer, opts: { qos: 0 | 1; retain?: boolean }, cb: PublishCallback = () => {}): void {
    const client = this.client;
    if (!client?.connected) {
      cb(new Error("not connected"));
      return;
    }
    client.publish(topic, payload, { qos: opts.qos, retain: opts.retain ?? false }, (err) => cb(err ?? undefined));
  }

  publishAsync(suffix: string, payload: string | Buffer, opts: { qos: 0 | 1; retain?: boolean }): Promise<void> {
    return new Promise((resolve, reject) => this.publish(suffix, payload, opts, (err) => (err ? reject(err) : resolve())));
  }

  /**
   * Leave cleanly: publish `availability` = `offline` (retained; a clean disconnect suppresses the
   * will), then disconnect. Never rejects.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    this.retry?.cancel();
    this.retry = null;
    const client = this.client;
    this.client = null;
    if (!client) return;
    const wasReady = this.ready;
    this.ready = false;
    let alive = false;
    if (client.connected) {
      alive = await new Promise<boolean>((resolve) => {
        const timer = this.deps.clock.setTimer(STOP_GRACE_MS, () => resolve(false));
        client.publish(this.deps.topics.of("availability"), "offline", { qos: 1, retain: true }, (err) => {
          timer.cancel();
          resolve(!err);
        });
      });
    }
    // A graceful end waits for every in-flight PUBACK; on a connection that died unnoticed (broker gone,
    // no close event yet) none comes and mqtt.js never calls back. Only a connection that just
    // acknowledged `offline` ends gracefully, and even that at most STOP_GRACE_MS; otherwise it is cut.
    // Unacknowledged records stay in the outbox and are sent again next run.
    await new Promise<void>((resolve) => {
      const timer = this.deps.clock.setTimer(STOP_GRACE_MS, () => {
        client.stream.destroy();
        resolve();
      });
      client.end(!alive, {}, () => {
        timer.cancel();
        resolve();
      });
    });
    if (wasReady) this.emit("down");
  }

  private dial(): void {
    if (this.stopped) return;
    const { cfg, url, stationId, topics, log } = this.deps;
    let client: MqttClient;
    try {
      client = mqtt.connect(url, clientOptions(cfg, stationId, topics, this.protocol));
    } catch (err) {
      log.error({ err: errorText(err) }, "uplink: cannot set up the MQTT connection");
      this.scheduleRetry();
      return;
    }
    this.client = client;
    client.on("connect", (connack) => void this.onConnack(client, connack));
    client.on("message", (topic, payload) => {
      if (client !== this.client) return;
      const suffix = topics.suffix(topic);
      if (suffix !== null) this.emit("message", suffix, payload);
    });
    client.on("error", (err) => {
      const code = (err as { code?: unknown }).code;
      if (this.protocol === 5 && typeof code === "number" && UNSUPPORTED_PROTOCOL.has(code)) {
        log.warn("uplink: the broker does not speak MQTT 5; falling back to 3.1.1");
        this.protocol = 4;
        this.fellBack = true;
        return;
      }
      log.warn({ err: err.message }, "uplink: MQTT error");
    });
    client.on("close", () => {
      if (client !== this.client) return;
      this.client = null;
      const wasReady = this.ready;
      this.ready = false;
      client.end(true);
      if (wasReady) {
        log.warn("uplink: connection lost");
        this.emit("down");
      } else {
        log.debug({ url: withoutCredentials(url) }, "uplink: connection attempt failed");
      }
      this.scheduleRetry(this.fellBack ? 0 : undefined);
      this.fellBack = false;
    });
  }

  private async onConnack(client: MqttClient, connack: IConnackPacket): Promise<void> {
    const { topics, log } = this.deps;
    this.backoff.reset();
    const sessionPresent = connack.sessionPresent === true;
    try {
      if (!sessionPresent) {
        const granted = await client.subscribeAsync(topics.subscriptions(), { qos: 1 });
        for (const g of granted) if (g.qos > 1) log.error({ topic: g.topic }, "uplink: the broker refused a subscription");
      }
      await client.publishAsync(topics.of("availability"), "online", { qos: 1, retain: true });
    } catch (err) {
      log.warn({ err: errorText(err) }, "uplink: setting up the connection failed");
      client.end(true);
      return;
    }
    if (client !== this.client || !client.connected) return;
    this.ready = true;
    log.info({ sessionPresent, protocolVersion: this.protocol }, "uplink: connected");
    this.emit("up", { sessionPresent, protocolVersion: this.protocol });
  }

  private scheduleRetry(delay = this.backoff.next()): void {
    if (this.stopped) return;
    this.retry = this.deps.clock.setTimer(delay, () => {
      this.retry = null;
      this.dial();
    });
  }

  private emit<K extends keyof ConnectionListener>(event: K, ...args: Parameters<ConnectionListener[K]>): void {
    for (const l of this.listeners) {
      const fn = l[event] as ((...a: Parameters<ConnectionListener[K]>) => void) | undefined;
      try {
        fn?.(...args);
      } catch (err) {
        this.deps.log.error({ err: errorText(err), event }, "uplink: listener failed");
      }
    }
  }
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** A URL fit for logs: user name and password removed. */
export function withoutCredentials(url: string): string {
  return url.replace(/^([a-z]+:\/\/)[^@/]*@/i, "$1");
}
