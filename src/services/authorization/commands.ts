import { Type } from "@sinclair/typebox";
import { ID_STATUSES } from "../../core/authorization.js";
import type { AuthRepo } from "../../store/auth-repo.js";
import type { EventRecorder } from "../events.js";
import { type CommandRegistry, CommandRejected } from "../uplink/commands/registry.js";
import type { ActivationState } from "./activation.js";
import { type LocalList, LocalListError } from "./local-list.js";

export const LocalListSchema = Type.Object({
  listVersion: Type.Integer({ minimum: 0, description: "Version of the list after this update; 0 is the empty list." }),
  updateType: Type.Union([Type.Literal("Full"), Type.Literal("Differential")], {
    description: "Full replaces the list; Differential adds, changes (with idTagInfo) or removes (without) entries.",
  }),
  localAuthorizationList: Type.Array(
    Type.Object(
      {
        idTag: Type.String({ minLength: 1, maxLength: 20 }),
        idTagInfo: Type.Optional(
          Type.Object(
            {
              status: Type.Union(ID_STATUSES.map((s) => Type.Literal(s))),
              expiryDate: Type.Optional(Type.String({ format: "date-time" })),
              parentIdTag: Type.Optional(Type.String({ minLength: 1, maxLength: 20 })),
            },
            { additionalProperties: false },
          ),
        ),
      },
      { additionalProperties: false },
    ),
    { default: [] },
  ),
  part: Type.Optional(
    Type.Object(
      {
        index: Type.Integer({ minimum: 1, description: "1-based; parts arrive in order." }),
        count: Type.Integer({ minimum: 1, maximum: 100_000, description: "Parts in this update; applied after the last." }),
      },
      { additionalProperties: false, description: "An update larger than one command (64 KiB) is sent in parts." },
    ),
  ),
});

/**
 * The authorization commands: `localList` (OCPP SendLocalList, optionally in parts), `getLocalListVersion`,
 * `clearCache`, `activate`. A Differential whose version does not follow, or a malformed or out-of-order
 * part, is rejected naming the field and the station's list version, and changes nothing.
 */
export function registerAuthorizationCommands(
  registry: CommandRegistry,
  deps: { readonly list: LocalList; readonly repo: AuthRepo; readonly activation: ActivationState; readonly events: EventRecorder },
): void {
  registry.add({
    name: "localList",
    description: "Install or update the local authorization list (OCPP 1.6 SendLocalList semantics).",
    schema: LocalListSchema,
    handler: async (p) => {
      try {
        const r = await deps.list.apply(
          {
            listVersion: p.listVersion,
            updateType: p.updateType,
            entries: p.localAuthorizationList,
            part: p.part ?? { index: 1, count: 1 },
          },
          "cmd/localList",
        );
        if (r.status === "Accepted") {
          deps.events.record("config", {
            source: "command",
            changed: ["authorization.localList"],
            outcome: "applied",
            listVersion: r.listVersion,
            entries: r.entries,
          });
        }
        return r;
      } catch (err) {
        if (err instanceof LocalListError)
          throw new CommandRejected(`${err.status}: ${err.message} (station listVersion ${err.installedVersion})`, "refused");
        throw err;
      }
    },
  });
  registry.add({
    name: "getLocalListVersion",
    description: "Answer the installed local list version (0: empty) and its size.",
    schema: Type.Object({}),
    handler: () => ({ listVersion: deps.list.version(), entries: deps.list.size() }),
  });
  registry.add({
    name: "clearCache",
    description: "Empty the authorization cache (recent online answers).",
    schema: Type.Object({}),
    handler: () => ({ removed: deps.repo.clearCache() }),
  });
  registry.add({
    name: "activate",
    description: "Switch the station from commissioning (test cards only) to normal service, or suspend it.",
    schema: Type.Object({
      activation: Type.Optional(Type.Union([Type.Literal("active"), Type.Literal("suspended")], { default: "active" })),
    }),
    handler: (p) => {
      const next = p.activation ?? "active";
      const before = deps.activation.set(next);
      if (before !== next)
        deps.events.record("config", { source: "command", changed: ["activation"], outcome: "applied", from: before, to: next });
      return { activation: next, previous: before };
    },
  });
}
