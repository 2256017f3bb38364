import { type Static, type TSchema, Type } from "@sinclair/typebox";

/** A discriminated union on `type`, so a wrong driver name gets one clear error instead of N. */
function byType<T extends TSchema[]>(variants: [...T]) {
  return Type.Unsafe<Static<T[number]>>({ type: "object", required: ["type"], discriminator: { propertyName: "type" }, oneOf: variants });
}

const Sim = Type.Object({ type: Type.Literal("sim") }, { additionalProperties: false });

const SerialLine = {
  port: Type.String({ minLength: 1, description: "Serial device, e.g. /dev/ttyAMA0 or /dev/serial/by-id/..." }),
  baudRate: Type.Optional(Type.Integer({ minimum: 300, maximum: 1000000 })),
};

export const RapiPilotSpec = Type.Object(
  {
    type: Type.Literal("rapi"),
    ...SerialLine,
    heartbeatIntervalS: Type.Integer({ minimum: 1, maximum: 600, default: 10 }),
    heartbeatFallbackA: Type.Integer({
      minimum: 0,
      maximum: 80,
      default: 0,
      description: "Current the controller falls back to when the host goes quiet; 0 = stop.",
    }),
    replyTimeoutMs: Type.Integer({ minimum: 50, maximum: 10000, default: 1000 }),
  },
  { additionalProperties: false },
);

export const GpioContactorSpec = Type.Object(
  {
    type: Type.Literal("gpio"),
    pin: Type.Integer({ minimum: 0, maximum: 63, description: "BCM pin number of the contactor output." }),
    activeLow: Type.Boolean({ default: false }),
    feedback: Type.Optional(
      Type.Object(
        {
          pin: Type.Integer({ minimum: 0, maximum: 63 }),
          activeLow: Type.Boolean({ default: false }),
          debounceMs: Type.Integer({ minimum: 0, maximum: 1000, default: 20 }),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

/** The contactor of an OpenEVSE controller, which switches its own relay. */
export const RapiContactorSpec = Type.Object({ type: Type.Literal("rapi") }, { additionalProperties: false });

export const ModbusMeterSpec = Type.Object(
  {
    type: Type.Literal("modbus"),
    model: Type.String({ pattern: "^[a-z0-9-]+$", description: "Register map in boards/meters/<model>.json" }),
    unitId: Type.Optional(Type.Integer({ minimum: 1, maximum: 247 })),
    rtu: Type.Optional(
      Type.Object(
        {
          ...SerialLine,
          parity: Type.Optional(Type.Union([Type.Literal("none"), Type.Literal("even"), Type.Literal("odd")])),
          stopBits: Type.Optional(Type.Union([Type.Literal(1), Type.Literal(2)])),
        },
        { additionalProperties: false },
      ),
    ),
    tcp: Type.Optional(
      Type.Object(
        { host: Type.String({ minLength: 1 }), port: Type.Integer({ minimum: 1, maximum: 65535, default: 502 }) },
        { additionalProperties: false },
      ),
    ),
    timeoutMs: Type.Integer({ minimum: 50, maximum: 10000, default: 500 }),
    maxFailures: Type.Integer({
      minimum: 1,
      maximum: 100,
      default: 3,
      description: "Consecutive failed reads before the meter counts as lost.",
    }),
  },
  { additionalProperties: false },
);

export const SerialTokenReaderSpec = Type.Object(
  {
    type: Type.Union([Type.Literal("rdm6300"), Type.Literal("lines")]),
    ...SerialLine,
    debounceMs: Type.Integer({ minimum: 0, maximum: 60000, default: 2000 }),
  },
  { additionalProperties: false },
);

export const Capabilities = Type.Object(
  {
    pilot: Type.Boolean(),
    contactor: Type.Boolean(),
    feedback: Type.Boolean(),
    meter: Type.Boolean(),
    gridMeter: Type.Boolean({ default: false }),
    tokenReader: Type.Boolean(),
    pevLink: Type.Boolean(),
    bidirectional: Type.Boolean({ default: false }),
    ventilation: Type.Boolean({ default: false }),
  },
  { additionalProperties: false },
);

/** A board file: which drivers the hardware needs and what it can do. Devices are data. */
export const BoardSchema = Type.Object(
  {
    $schema: Type.Optional(Type.String()),
    name: Type.String({ pattern: "^[a-z0-9-]+$" }),
    description: Type.String(),
    ratedCurrentA: Type.Number({ minimum: 6, maximum: 80 }),
    phases: Type.Union([Type.Literal(1), Type.Literal(3)]),
    nominalVoltageV: Type.Number({ minimum: 100, maximum: 400, default: 230 }),
    capabilities: Capabilities,
    drivers: Type.Object(
      {
        pilot: Type.Optional(byType([Sim, RapiPilotSpec])),
        contactor: Type.Optional(byType([Sim, GpioContactorSpec, RapiContactorSpec])),
        meter: Type.Optional(byType([Sim, ModbusMeterSpec])),
        gridMeter: Type.Optional(byType([ModbusMeterSpec])),
        tokenReader: Type.Optional(Type.Union([Sim, SerialTokenReaderSpec])),
        pevLink: Type.Optional(byType([Sim])),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

export type Board = Static<typeof BoardSchema>;
