import { Type } from "@sinclair/typebox";
import type { StationControl } from "../../../app/control.js";
import { type CommandRegistry, CommandRejected } from "./registry.js";

/** The limit source name under which operator limits are applied. */
export const OPERATOR_LIMIT = "operator";

/**
 * The station commands: `start`, `stop`, `setLimit`, `setAvailability`, `reboot`. Each checks the
 * station's state first and rejects (changing nothing) when it cannot do what is asked.
 * `requestRestart` is called only after the `reboot` result has been published.
 */
export function registerStationCommands(registry: CommandRegistry, control: StationControl, requestRestart: () => void): void {
  registry.add({
    name: "start",
    description: "Authorize charging for the present (or next) vehicle, as a remote start.",
    schema: Type.Object({
      tokenId: Type.Optional(
        Type.Union([Type.String({ minLength: 1, maxLength: 64 }), Type.Null()], { description: "Charge on behalf of this token." }),
      ),
    }),
    handler: (p) => {
      const s = control.snapshot();
      if (!s.available) throw new CommandRejected("the station is Inoperative");
      if (s.faults.length > 0) throw new CommandRejected(`the station is faulted: ${s.faults.join(", ")}`);
      if (s.authorized && s.vehiclePresent) throw new CommandRejected("a session is already authorized");
      control.authorize(p.tokenId ?? null, "remote");
      return { status: control.snapshot().status };
    },
  });

  registry.add({
    name: "stop",
    description: "End the running session (reason Remote).",
    schema: Type.Object({}),
    handler: () => {
      const s = control.snapshot();
      if (!s.vehiclePresent && !s.authorized) throw new CommandRejected("no session to stop");
      control.stopCharging("Remote");
      return { status: control.snapshot().status };
    },
  });

  registry.add({
    name: "setLimit",
    description: "Set (or with null remove) the operator's current limit in A; below 6 A pauses charging.",
    schema: Type.Object({
      maxCurrentA: Type.Union([Type.Number({ minimum: 0, maximum: 80 }), Type.Null()]),
    }),
    handler: (p) => {
      control.setLimit(OPERATOR_LIMIT, p.maxCurrentA);
      return { offeredA: control.snapshot().offeredA };
    },
  });

  registry.add({
    name: "setAvailability",
    description: "Operative: the station may charge. Inoperative: it shows state F and never closes the contactor.",
    schema: Type.Object({
      availability: Type.Union([Type.Literal("Operative"), Type.Literal("Inoperative")]),
    }),
    handler: (p) => {
      control.setAvailability(p.availability === "Operative");
      return { status: control.snapshot().status };
    },
  });

  registry.add({
    name: "reboot",
    description: "Restart evsed (open the contactor, flush, exit; the service manager starts it again).",
    schema: Type.Object({}),
    handler: (_p, ctx) => {
      ctx.afterAnswer(requestRestart);
      return undefined;
    },
  });
}
