import { Type } from "@sinclair/typebox";
import { INTERVAL_LENGTHS_S } from "../../core/intervals.js";

/** EUMD interval metering (clock-aligned intervals, billing tags, meter-loss detection). */
export const MeteringSection = Type.Object(
  {
    intervalS: Type.Union(
      INTERVAL_LENGTHS_S.map((s) => Type.Literal(s)),
      { default: 900, description: "Interval length, s, aligned to midnight UTC; `setIntervalLength` changes it at the next boundary." },
    ),
    account: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: "Billing account; the premise ID when absent." })),
    program: Type.Optional(
      Type.String({ minLength: 1, maxLength: 64, description: "Utility program / rate the sessions are billed under." }),
    ),
    meterLossS: Type.Integer({
      minimum: 5,
      maximum: 3600,
      default: 60,
      description: "The meter counts as lost after failing this long during a session: no incentive, billed to the premise.",
    }),
    idleIntervals: Type.Boolean({
      default: false,
      description: "Also record intervals while no session is open (no session ID, flagged `idle`).",
    }),
  },
  { additionalProperties: false, default: {} },
);
