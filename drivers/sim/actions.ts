import { type Static, type TObject, Type } from "@sinclair/typebox";
import { InputError, Validator } from "../../src/config/validate.js";

/**
 * Actions that drive the simulated vehicle and hardware. They arrive from a scenario file
 * (`{do: <name>, ...args}`) or over MQTT as `<prefix>/<stationId>/sim/<name>` with the arguments as
 * the JSON payload. Every action is a discriminated variant on `action`; unknown keys are errors.
 */
const closed = { additionalProperties: false } as const;
const on = { on: Type.Boolean({ description: "Switch the condition on (true) or off (false)." }) };

export const SIM_ACTION_VARIANTS = [
  Type.Object({ action: Type.Literal("plug") }, { ...closed, description: "Plug the vehicle in." }),
  Type.Object({ action: Type.Literal("unplug") }, { ...closed, description: "Unplug the vehicle." }),
  Type.Object(
    {
      action: Type.Literal("token"),
      id: Type.String({ pattern: "^[0-9A-Za-z]{1,64}$", description: "Card UID (hex); reported upper-case." }),
    },
    { ...closed, description: "Present a token (RFID card) to the reader." },
  ),
  Type.Object({ action: Type.Literal("pause") }, { ...closed, description: "The vehicle stops charging (C → B)." }),
  Type.Object({ action: Type.Literal("resume") }, { ...closed, description: "The vehicle wants to charge again." }),
  Type.Object(
    { action: Type.Literal("draw"), amps: Type.Number({ minimum: 0, maximum: 80, description: "Most current the vehicle draws." }) },
    { ...closed, description: "Set the vehicle's maximum current." },
  ),
  Type.Object(
    { action: Type.Literal("soc"), pct: Type.Number({ minimum: 0, maximum: 100 }) },
    { ...closed, description: "Set the battery's state of charge (e.g. a different vehicle arrives)." },
  ),
  Type.Object({ action: Type.Literal("ventilation"), ...on }, { ...closed, description: "The vehicle asks for ventilation (D)." }),
  Type.Object({ action: Type.Literal("diodeFault"), ...on }, { ...closed, description: "The vehicle's pilot diode is missing." }),
  Type.Object({ action: Type.Literal("short"), ...on }, { ...closed, description: "The pilot is shorted to PE (E)." }),
  Type.Object({ action: Type.Literal("weld"), ...on }, { ...closed, description: "The contactor welds once closed." }),
  Type.Object({ action: Type.Literal("stubborn"), ...on }, { ...closed, description: "The vehicle stays in C when the PWM goes off." }),
  Type.Object({ action: Type.Literal("meterOffline"), ...on }, { ...closed, description: "The meter stops answering." }),
  Type.Object(
    { action: Type.Literal("meter"), importWh: Type.Integer({ minimum: 0, description: "New import register, Wh." }) },
    { ...closed, description: "Replace the meter's import register (e.g. a meter swap)." },
  ),
] as const;

export type SimAction = Static<(typeof SIM_ACTION_VARIANTS)[number]>;
export type SimActionName = SimAction["action"];

/** JSON Schema of one action, discriminated on `action` (one clear error for an unknown action). */
export const SimActionSchema = Type.Unsafe<SimAction>({
  type: "object",
  required: ["action"],
  discriminator: { propertyName: "action" },
  oneOf: [...SIM_ACTION_VARIANTS],
});

/** The action names, in declaration order. */
export const SIM_ACTION_NAMES: readonly SimActionName[] = SIM_ACTION_VARIANTS.map(
  (v: TObject) => v.properties.action?.const as SimActionName,
);

const actionValidator = new Validator(SimActionSchema);

/**
 * Check an action given by name and arguments, as the MQTT topic `<prefix>/<id>/sim/<name>` carries
 * it: `payload` is the parsed JSON object (undefined or `{}` for actions without arguments).
 * Throws InputError naming `source` (e.g. the topic), the path and the problem.
 */
export function parseSimAction(name: string, payload: unknown, source: string): SimAction {
  const args = payload ?? {};
  if (typeof args !== "object" || args === null || Array.isArray(args)) {
    throw new InputError(source, "/", "payload must be a JSON object");
  }
  return actionValidator.check({ ...args, action: name }, source);
}

/** Check a complete action object (`{action, ...args}`); throws InputError naming `source`. */
export function checkSimAction(value: unknown, source: string): SimAction {
  return actionValidator.check(value, source);
}
