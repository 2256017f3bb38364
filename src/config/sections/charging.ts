import { Type } from "@sinclair/typebox";

/** Charging limits and IEC 61851 timing. Times in ms where the name says so. */
export const ChargingSection = Type.Object(
  {
    maxCurrentA: Type.Number({
      minimum: 6,
      maximum: 80,
      default: 32,
      description: "Station limit; the board's rated current caps it too.",
    }),
    defaultCurrentA: Type.Number({ minimum: 6, maximum: 80, default: 32, description: "Offered when no other limit applies." }),
    dutyChangeMinIntervalMs: Type.Integer({ minimum: 5000, maximum: 60000, default: 5000 }),
    c1ForceOpenMs: Type.Integer({
      minimum: 3000,
      maximum: 6000,
      default: 6000,
      description: "PWM off while the vehicle stays in C: force the contactor open after this.",
    }),
    ventilationAllowed: Type.Boolean({ default: false, description: "Charge in state D (requires ventilation on the site)." }),
    overCurrentGraceMs: Type.Integer({ minimum: 1000, maximum: 60000, default: 5000 }),
    feedbackSettleMs: Type.Integer({
      minimum: 20,
      maximum: 5000,
      default: 500,
      description: "How long feedback may disagree with the command before weld / stuck-open latches.",
    }),
    phases: Type.Optional(Type.Union([Type.Literal(1), Type.Literal(3)])),
  },
  { additionalProperties: false, default: {} },
);
