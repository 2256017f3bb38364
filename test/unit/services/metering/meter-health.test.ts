import { describe, expect, it } from "vitest";
import { ManualClock } from "../../../../drivers/clock/manual.js";
import { MeterHealth } from "../../../../src/services/metering/meter-health.js";

const LOSS_MS = 60_000;

function setup() {
  const clock = new ManualClock({ wallMs: Date.UTC(2026, 11, 3, 12, 0, 0) });
  return { clock, health: new MeterHealth(clock, () => LOSS_MS) };
}

describe("MeterHealth", () => {
  it("declares the meter lost once failures last the loss time, reporting when they began, and only once", () => {
    const { clock, health } = setup();
    const began = clock.now();
    expect(health.failed()).toBeNull();
    clock.advance(LOSS_MS - 1);
    expect(health.failed()).toBeNull();
    clock.advance(1);
    expect(health.failed()).toBe(began);
    clock.advance(5_000);
    expect(health.failed()).toBeNull();
  });

  it("a good reading in between starts the count again; one after a loss reports the restoration once", () => {
    const { clock, health } = setup();
    health.failed();
    clock.advance(LOSS_MS - 1);
    expect(health.good()).toBe(false);
    clock.advance(1);
    expect(health.failed()).toBeNull();
    clock.advance(LOSS_MS);
    expect(health.failed()).not.toBeNull();
    expect(health.good()).toBe(true);
    expect(health.good()).toBe(false);
  });

  it("measures on monotonic time: a wall-clock step does not hasten the loss", () => {
    const { clock, health } = setup();
    health.failed();
    clock.setWall(clock.now() + 3_600_000);
    expect(health.failed()).toBeNull();
  });

  it("reset forgets a loss, so a new session does not report a restoration it never saw lost", () => {
    const { clock, health } = setup();
    health.failed();
    clock.advance(LOSS_MS);
    expect(health.failed()).not.toBeNull();
    health.reset();
    expect(health.good()).toBe(false);
  });
});
