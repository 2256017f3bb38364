import { Type } from "@sinclair/typebox";

/** The uplink to the utility or operator. Absent `url`: `evsed sim` starts an embedded broker. */
export const MqttSection = Type.Object(
  {
    url: Type.Optional(Type.String({ pattern: "^(mqtts?|wss?|tcp)://", description: "Broker URL, e.g. mqtts://broker.example:8883" })),
    prefix: Type.String({ pattern: "^[A-Za-z0-9_-]+(/[A-Za-z0-9_-]+)*$", default: "evse" }),
    protocolVersion: Type.Union([Type.Literal(5), Type.Literal(4)], { default: 5 }),
    username: Type.Optional(Type.String()),
    password: Type.Optional(Type.String({ description: "Prefer passwordFile; never logged." })),
    passwordFile: Type.Optional(Type.String()),
    tls: Type.Optional(
      Type.Object(
        {
          ca: Type.Optional(Type.String()),
          cert: Type.Optional(Type.String()),
          key: Type.Optional(Type.String()),
          rejectUnauthorized: Type.Boolean({ default: true }),
        },
        { additionalProperties: false },
      ),
    ),
    keepaliveS: Type.Integer({ minimum: 5, maximum: 3600, default: 30 }),
    reconnectMinMs: Type.Integer({ minimum: 100, default: 1000 }),
    reconnectMaxMs: Type.Integer({ minimum: 1000, default: 60000 }),
    connectTimeoutS: Type.Integer({ minimum: 1, maximum: 300, default: 15, description: "Give up on one connection attempt after this." }),
    sessionExpiryS: Type.Integer({
      minimum: 0,
      maximum: 2592000,
      default: 86400,
      description: "How long the broker keeps the station's session (subscriptions, queued commands) while it is offline.",
    }),
    inflightWindow: Type.Integer({
      minimum: 1,
      maximum: 1000,
      default: 32,
      description: "Outbox records published but not yet acknowledged.",
    }),
    commandWindow: Type.Integer({
      minimum: 100,
      maximum: 1000000,
      default: 10000,
      description: "How many recent command ids are remembered to reject replays.",
    }),
    diskLowMb: Type.Integer({
      minimum: 0,
      default: 64,
      description: "Below this much free space under dataDir telemetry stops and a storage event is recorded.",
    }),
    diskCheckS: Type.Integer({ minimum: 1, maximum: 3600, default: 60 }),
    telemetryIntervalS: Type.Integer({ minimum: 1, maximum: 3600, default: 10 }),
    statusIntervalS: Type.Integer({ minimum: 5, maximum: 60, default: 60 }),
    embeddedBroker: Type.Object(
      {
        host: Type.String({ default: "127.0.0.1" }),
        port: Type.Integer({ minimum: 0, maximum: 65535, default: 1883 }),
      },
      { additionalProperties: false, default: {} },
    ),
    homeAssistant: Type.Object(
      {
        enabled: Type.Boolean({ default: false }),
        discoveryPrefix: Type.String({ default: "homeassistant" }),
      },
      { additionalProperties: false, default: {} },
    ),
  },
  { additionalProperties: false, default: {} },
);
