import { once } from "node:events";
import { createServer, type Server, type Socket } from "node:net";
import { Aedes } from "aedes";
import type { Logger } from "./log.js";

/** A running embedded broker. */
export interface EmbeddedBroker {
  readonly host: string;
  /** The bound port (the configured one, or the one picked when configured as 0). */
  readonly port: number;
  /** `mqtt://host:port`, for `startUplink({ brokerUrl })` and `evsed watch --url`. */
  readonly url: string;
  /** Closes every client connection and the listener. Never rejects. */
  stop(): Promise<void>;
}

const LOOPBACK = new Set(["127.0.0.1", "::1", "localhost"]);

/**
 * Starts an aedes broker on a loopback address: the default broker of `evsed sim` when no
 * `mqtt.url` is configured, so the simulator works without installing Mosquitto. It speaks MQTT
 * 3.1.1 only (the uplink falls back from MQTT 5 by itself), keeps sessions and retained messages in
 * memory, and has no authentication — hence loopback only: any other host is refused.
 */
export async function startEmbeddedBroker(opts: { host: string; port: number; log: Logger }): Promise<EmbeddedBroker> {
  if (!LOOPBACK.has(opts.host)) throw new Error(`mqtt.embeddedBroker.host must be a loopback address, not '${opts.host}'`);
  const aedes = await Aedes.createBroker();
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
    aedes.handle(socket);
  });
  aedes.on("clientError", (client, err) => opts.log.debug({ client: client.id, err: err.message }, "broker: client error"));
  server.listen(opts.port, opts.host);
  try {
    await Promise.race([once(server, "listening"), once(server, "error").then(([err]) => Promise.reject(err))]);
  } catch (err) {
    aedes.close();
    throw new Error(`embedded MQTT broker cannot listen on ${opts.host}:${opts.port}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const addr = server.address();
  const port = typeof addr === "object" && addr ? addr.port : opts.port;
  const hostInUrl = opts.host.includes(":") ? `[${opts.host}]` : opts.host;
  opts.log.info({ host: opts.host, port }, "embedded MQTT broker listening");
  return {
    host: opts.host,
    port,
    url: `mqtt://${hostInUrl}:${port}`,
    stop: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
      await closed;
    },
  };
}
