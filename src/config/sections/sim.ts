import { Type } from "@sinclair/typebox";

/** The simulated vehicle and hardware (board `sim`). */
export const SimSection = Type.Object(
  {
    speed: Type.Number({ exclusiveMinimum: 0, maximum: 1000, default: 1, description: "Simulated time runs this many times faster." }),
    scenario: Type.Optional(Type.String({ minLength: 1, description: "Scenario file (YAML or JSON); the built-in demo when absent." })),
    worldFile: Type.Optional(
      Type.String({
        minLength: 1,
        description: "Where the simulated hardware keeps its state across restarts; <dataDir>/sim-world.json when absent.",
      }),
    ),
    vehicle: Type.Object(
      {
        maxCurrentA: Type.Number({ minimum: 6, maximum: 80, default: 32 }),
        phases: Type.Union([Type.Literal(1), Type.Literal(3)], { default: 3 }),
        batteryWh: Type.Integer({ minimum: 1000, default: 60000 }),
        socPct: Type.Number({ minimum: 0, maximum: 100, default: 30 }),
        responseMs: Type.Integer({
          minimum: 0,
          maximum: 10000,
          default: 1500,
          description: "Lag with which the vehicle's current follows the offer.",
        }),
        pevId: Type.String({ default: "5YJ3E1EA7KF000001" }),
      },
      { additionalProperties: false, default: {} },
    ),
  },
  { additionalProperties: false, default: {} },
);
