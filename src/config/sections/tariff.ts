import { Type } from "@sinclair/typebox";
import { WEEKDAYS } from "../../core/tariff.js";

const price = (description: string) => Type.Number({ minimum: 0, maximum: 100000, description });

/**
 * A time-of-use tariff: prices in minor currency units per kWh (at most four decimals), periods by
 * local time of day and weekday in the premise's time zone. Also the payload of `setTariff`.
 * The time zone and the decimals are checked by `compileTariff` (src/core/tariff.ts).
 */
export const TariffFields = {
  id: Type.String({
    minLength: 1,
    maxLength: 64,
    default: "default",
    description: "Tariff (rate) identifier, stamped on every rated interval.",
  }),
  currency: Type.String({ pattern: "^[A-Z]{3}$", default: "USD", description: "ISO 4217 currency code." }),
  timeZone: Type.String({ minLength: 1, default: "UTC", description: "IANA time zone of the premise, e.g. America/Los_Angeles." }),
  basePeriod: Type.String({ minLength: 1, maxLength: 32, default: "offPeak", description: "Name of the period outside every listed one." }),
  basePrice: price("Price outside every listed period, minor units per kWh."),
  premisePrice: Type.Optional(price("Price when energy is billed to the premise without incentive (meter lost); default basePrice.")),
  periods: Type.Array(
    Type.Object(
      {
        name: Type.String({ minLength: 1, maxLength: 32 }),
        price: price("Minor units per kWh."),
        from: Type.String({ pattern: "^([01][0-9]|2[0-4]):[0-5][0-9]$", description: "Local start, HH:MM." }),
        to: Type.String({
          pattern: "^([01][0-9]|2[0-4]):[0-5][0-9]$",
          description: "Local end, HH:MM (24:00 allowed); before `from` wraps past midnight.",
        }),
        days: Type.Optional(Type.Array(Type.Union(WEEKDAYS.map((d) => Type.Literal(d))), { minItems: 1, uniqueItems: true })),
      },
      { additionalProperties: false },
    ),
    { default: [], maxItems: 48, description: "First matching period wins." },
  ),
};

export const TariffSection = Type.Object(
  { ...TariffFields, basePrice: { ...TariffFields.basePrice, default: 0 } },
  {
    additionalProperties: false,
    default: {},
    description: "The program's time-of-use tariff; `setTariff` replaces it at the next interval boundary.",
  },
);
