import { type Static, Type } from "@sinclair/typebox";
import { InputError, Validator } from "../../config/validate.js";
import { INTERVAL_LENGTHS_S } from "../../core/intervals.js";
import type { ProgramParams } from "../../store/binding-repo.js";

/** The utility's answer on `res/bind` (docs/schemas/response-bind.schema.json). */
export const BindAnswerSchema = Type.Object({
  reqId: Type.String({ minLength: 1 }),
  status: Type.Union([Type.Literal("Accepted"), Type.Literal("Rejected")], {
    description: "Whether the PEV ID validates for this premise.",
  }),
  program: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: "Rate program the PEV is enrolled in." })),
  payer: Type.Optional(
    Type.Union([Type.Literal("premise"), Type.Literal("pevOwner")], {
      description: "L2-A: the premise customer pays; L2-B: the PEV owner's account pays.",
    }),
  ),
  account: Type.Optional(
    Type.String({ minLength: 1, maxLength: 64, description: "The PEV owner's account (required with payer pevOwner)." }),
  ),
  intervalS: Type.Optional(
    Type.Union(
      INTERVAL_LENGTHS_S.map((s) => Type.Literal(s)),
      { description: "EUMD interval length for the program, s." },
    ),
  ),
  guestCharging: Type.Optional(Type.Boolean()),
  roaming: Type.Optional(Type.Boolean()),
});

export type BindOutcome = { readonly status: "Accepted"; readonly params: ProgramParams } | { readonly status: "Rejected" };

const validator = new Validator(BindAnswerSchema);

/**
 * Check a `res/bind` answer. Throws InputError naming `res/bind`, the field and the problem; an Accepted
 * answer needs `program` and `payer`, and `account` when the PEV owner pays.
 */
export function parseBindAnswer(raw: unknown, premiseId: string): BindOutcome {
  const a: Static<typeof BindAnswerSchema> = validator.check(raw, "res/bind");
  if (a.status === "Rejected") return { status: "Rejected" };
  if (!a.program) throw new InputError("res/bind", "/program", "required when status is Accepted");
  if (!a.payer) throw new InputError("res/bind", "/payer", "required when status is Accepted");
  if (a.payer === "pevOwner" && !a.account) throw new InputError("res/bind", "/account", "required when payer is pevOwner");
  return {
    status: "Accepted",
    params: {
      program: a.program,
      payer: a.payer,
      account: a.payer === "premise" ? premiseId : (a.account as string),
      intervalS: a.intervalS ?? null,
      guestCharging: a.guestCharging ?? false,
      roaming: a.roaming ?? false,
    },
  };
}
