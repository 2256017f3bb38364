import { Type } from "@sinclair/typebox";

/** Who may charge. Issue 6 grows this into lists, cache and OCPP-style policies. */
export const AuthorizationSection = Type.Object(
  {
    freeVend: Type.Boolean({ default: false, description: "Authorize every plug-in without a token." }),
    testTokens: Type.Array(Type.String({ pattern: "^[0-9A-Fa-f]{4,20}$" }), {
      default: [],
      description: "Token UIDs (hex) that are always accepted, e.g. the installer's test card.",
    }),
  },
  { additionalProperties: false, default: {} },
);
