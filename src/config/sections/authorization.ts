import { Type } from "@sinclair/typebox";

/**
 * Who may charge: free vend, test cards, the local list, the cache and the backend, with the OCPP 1.6
 * authorization keys (FACTS.md) under their OCPP meanings.
 */
export const AuthorizationSection = Type.Object(
  {
    freeVend: Type.Boolean({ default: false, description: "Authorize every plug-in without a token." }),
    testTokens: Type.Array(Type.String({ pattern: "^[0-9A-Fa-f]{4,20}$" }), {
      default: [],
      description: "Token UIDs (hex) that are always accepted, also before activation, e.g. the installer's test card.",
    }),
    autocharge: Type.Boolean({ default: false, description: "Use the PEV ID from the PEV link as the identifier (autocharge)." }),
    authorizeTimeoutS: Type.Number({ minimum: 0.1, maximum: 120, default: 5, description: "Wait for the answer to req/authorize, s." }),
    localAuthorizeOffline: Type.Boolean({
      default: true,
      description: "OCPP LocalAuthorizeOffline: list and cache authorize while offline.",
    }),
    localPreAuthorize: Type.Boolean({
      default: false,
      description: "OCPP LocalPreAuthorize: list and cache authorize without asking while online.",
    }),
    allowOfflineTxForUnknownId: Type.Boolean({
      default: false,
      description: "OCPP AllowOfflineTxForUnknownId: unknown identifiers charge while offline.",
    }),
    maxEnergyOnInvalidIdWh: Type.Optional(
      Type.Integer({
        minimum: 0,
        description:
          "OCPP MaxEnergyOnInvalidId, Wh: cap for unknown-offline sessions and for sessions whose identifier is invalidated later; absent: none.",
      }),
    ),
    stopTransactionOnInvalidId: Type.Boolean({
      default: true,
      description: "OCPP StopTransactionOnInvalidId: stop a session whose identifier is rejected after an offline start.",
    }),
    connectionTimeOutS: Type.Integer({
      minimum: 1,
      maximum: 3600,
      default: 60,
      description: "OCPP ConnectionTimeOut: a tap expires unless a vehicle plugs in within this time, s.",
    }),
    reconcileRetryS: Type.Integer({
      minimum: 1,
      maximum: 3600,
      default: 30,
      description: "How often an offline session's identifier is asked about again, s.",
    }),
    cache: Type.Object(
      {
        enabled: Type.Boolean({ default: true, description: "Keep online answers for offline use." }),
        maxEntries: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 10_000 }),
        lifetimeS: Type.Integer({ minimum: 60, default: 604_800, description: "How long an answer without expiryDate stays valid, s." }),
      },
      { additionalProperties: false, default: {} },
    ),
    activation: Type.Union([Type.Literal("pending"), Type.Literal("active")], {
      default: "pending",
      description: "Lifecycle until the operator's `activate` command: pending accepts only test cards (and free vend).",
    }),
  },
  { additionalProperties: false, default: {} },
);
