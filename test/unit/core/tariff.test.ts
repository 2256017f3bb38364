import { describe, expect, it } from "vitest";
import { compileTariff, costE7, priceE4, roundMinor, TariffError, type TariffSpec } from "../../../src/core/tariff.js";

const TOU: TariffSpec = {
  id: "PEV-TOU",
  currency: "USD",
  timeZone: "America/Los_Angeles",
  basePeriod: "offPeak",
  basePrice: 12.25,
  premisePrice: 30,
  periods: [
    { name: "onPeak", price: 45.5, from: "16:00", to: "21:00", days: ["mon", "tue", "wed", "thu", "fri"] },
    { name: "superOffPeak", price: 8, from: "23:00", to: "06:00" },
  ],
};

describe("time-of-use tariff", () => {
  const t = compileTariff(TOU);

  it("rates by local time in the premise's zone, following daylight saving", () => {
    // Monday 2026-11-23, PST (UTC−8): 16:00 local = 00:00Z next day.
    expect(t.rate(Date.UTC(2026, 10, 24, 0, 0, 0))).toEqual({ period: "onPeak", priceE4: 455_000 });
    expect(t.rate(Date.UTC(2026, 10, 23, 23, 59, 0))).toEqual({ period: "offPeak", priceE4: 122_500 });
    // Monday 2026-07-06, PDT (UTC−7): 16:00 local = 23:00Z.
    expect(t.rate(Date.UTC(2026, 6, 6, 23, 0, 0)).period).toBe("onPeak");
    expect(t.rate(Date.UTC(2026, 6, 6, 22, 59, 0)).period).toBe("offPeak");
  });

  it("applies weekdays and wraps periods past midnight", () => {
    // Saturday 2026-11-28 17:00 PST: not a weekday on-peak.
    expect(t.rate(Date.UTC(2026, 10, 29, 1, 0, 0)).period).toBe("offPeak");
    // 23:30 and 05:59 local are super off-peak, 06:00 is not.
    expect(t.rate(Date.UTC(2026, 10, 24, 7, 30, 0)).period).toBe("superOffPeak");
    expect(t.rate(Date.UTC(2026, 10, 24, 13, 59, 0)).period).toBe("superOffPeak");
    expect(t.rate(Date.UTC(2026, 10, 24, 14, 0, 0)).period).toBe("offPeak");
  });

  it("bills the premise at its own price", () => {
    expect(t.rate(Date.UTC(2026, 10, 24, 0, 0, 0), true)).toEqual({ period: "premise", priceE4: 300_000 });
  });

  it("computes exact costs and rounds once, half up", () => {
    expect(costE7(1234, 122_500)).toBe(151_165_000n);
    expect(roundMinor(151_165_000n)).toBe(15);
    expect(roundMinor(5_000_000n)).toBe(1);
    expect(roundMinor(4_999_999n)).toBe(0);
    expect(priceE4(0.0001, "/p")).toBe(1);
  });

  it("names the field and the problem of a bad tariff", () => {
    const bad = (patch: Partial<TariffSpec>) => () => compileTariff({ ...TOU, ...patch });
    expect(bad({ timeZone: "Mars/Olympus" })).toThrow(TariffError);
    expect(bad({ timeZone: "Mars/Olympus" })).toThrow(/unknown time zone/);
    expect(bad({ basePrice: 1.23456 })).toThrow(/\/basePrice: at most four decimals/);
    expect(bad({ periods: [{ name: "x", price: 1, from: "25:00", to: "01:00" }] })).toThrow(/\/periods\/0\/from/);
    expect(bad({ periods: [{ name: "x", price: 1, from: "01:00", to: "01:00" }] })).toThrow(/\/periods\/0\/to: must differ/);
    expect(bad({ currency: "usd" })).toThrow(/\/currency/);
  });
});
