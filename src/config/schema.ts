import { type Static, Type } from "@sinclair/typebox";
import { AuthorizationSection } from "./sections/authorization.js";
import { BindingSection } from "./sections/binding.js";
import { ChargingSection } from "./sections/charging.js";
import { ClockSection } from "./sections/clock.js";
import { MeteringSection } from "./sections/metering.js";
import { MqttSection } from "./sections/mqtt.js";
import { SimSection } from "./sections/sim.js";
import { TariffSection } from "./sections/tariff.js";

/**
 * The one configuration file. The TypeScript type is derived from this schema; there is no second
 * description of the shape. Unknown keys are errors; defaults are filled in by the validator.
 */
export const ConfigSchema = Type.Object(
  {
    $schema: Type.Optional(Type.String()),
    stationId: Type.String({
      pattern: "^[A-Za-z0-9._-]{1,64}$",
      default: "sim-0001",
      description: "Station identity; also the MQTT client id and topic segment.",
    }),
    premiseId: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    board: Type.String({
      minLength: 1,
      default: "boards/sim.json",
      description: "Board file, relative to the config file or the install.",
    }),
    dataDir: Type.String({ minLength: 1, default: "./var", description: "SQLite database and simulator state." }),
    log: Type.Object(
      {
        level: Type.Union(
          ["fatal", "error", "warn", "info", "debug", "trace", "silent"].map((l) => Type.Literal(l)),
          { default: "info" },
        ),
      },
      { additionalProperties: false, default: {} },
    ),
    charging: ChargingSection,
    clock: ClockSection,
    authorization: AuthorizationSection,
    binding: BindingSection,
    mqtt: MqttSection,
    metering: MeteringSection,
    tariff: TariffSection,
    sim: SimSection,
    devices: Type.Object(
      {
        pilotPort: Type.Optional(Type.String({ minLength: 1 })),
        meterPort: Type.Optional(Type.String({ minLength: 1 })),
        meterHost: Type.Optional(Type.String({ minLength: 1 })),
        tokenReaderPort: Type.Optional(Type.String({ minLength: 1 })),
        gpioRoot: Type.Optional(Type.String({ minLength: 1, description: "sysfs GPIO root; /sys/class/gpio when absent." })),
      },
      { additionalProperties: false, default: {}, description: "Per-installation overrides of the board's device paths." },
    ),
  },
  { additionalProperties: false },
);

export type Config = Static<typeof ConfigSchema>;
