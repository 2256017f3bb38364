import { Type } from "@sinclair/typebox";
import { TariffFields } from "../../config/sections/tariff.js";
import { INTERVAL_LENGTHS_S } from "../../core/intervals.js";
import { compileTariff, TariffError, type TariffSpec } from "../../core/tariff.js";
import { type CommandRegistry, CommandRejected } from "../uplink/commands/registry.js";
import type { MeteringChanges } from "./changes.js";

export const SetIntervalLengthSchema = Type.Object({
  intervalS: Type.Union(
    INTERVAL_LENGTHS_S.map((s) => Type.Literal(s)),
    { description: "New interval length, s (divides a day); takes effect at the next boundary." },
  ),
});

export const SetTariffSchema = Type.Object(TariffFields);

/**
 * The metering commands: `setIntervalLength` (P1 requirement 25) and `setTariff`. Both take effect at
 * the next interval boundary, are kept across restarts, and are recorded as `config` events. A tariff
 * that does not compile (unknown time zone, more than four decimals) is rejected and changes nothing.
 */
export function registerMeteringCommands(registry: CommandRegistry, metering: MeteringChanges): void {
  registry.add({
    name: "setIntervalLength",
    description: "Change the EUMD interval length (60, 300, 600, 900, 1800 or 3600 s) at the next interval boundary.",
    schema: SetIntervalLengthSchema,
    handler: (p) => metering.setIntervalLength(p.intervalS),
  });
  registry.add({
    name: "setTariff",
    description: "Replace the time-of-use tariff for intervals starting at or after the next boundary.",
    schema: SetTariffSchema,
    handler: (p) => {
      const spec = p as TariffSpec;
      try {
        compileTariff(spec);
      } catch (err) {
        if (err instanceof TariffError) throw new CommandRejected(`cmd/setTariff: ${err.path}: ${err.problem}`, "invalid");
        throw err;
      }
      return metering.setTariff(spec);
    },
  });
}
