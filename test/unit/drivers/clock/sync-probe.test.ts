import { describe, expect, it } from "vitest";
import { syncedNow, syncProbe, timedatectlProbe } from "../../../../drivers/clock/sync-probe.js";

/** A runner whose answers the test releases one by one. */
function scripted() {
  const pending: ((out: string | Error) => void)[] = [];
  let calls = 0;
  const run = () =>
    new Promise<string>((resolve, reject) => {
      calls++;
      pending.push((out) => (out instanceof Error ? reject(out) : resolve(out)));
    });
  const answer = async (out: string | Error) => {
    pending.shift()?.(out);
    await new Promise((r) => setImmediate(r));
  };
  return { run, answer, calls: () => calls };
}

describe("clock sync probes", () => {
  it("timedatectl: answers from the cache, asks again only every 30 s, never blocks", async () => {
    let t = 0;
    const s = scripted();
    const probe = timedatectlProbe(s.run, () => t);
    expect(probe()).toBe(false);
    expect(s.calls()).toBe(1);
    await s.answer("yes\n");
    expect(probe()).toBe(true);
    t = 29_000;
    expect(probe()).toBe(true);
    expect(s.calls()).toBe(1);
    t = 30_000;
    expect(probe()).toBe(true);
    expect(s.calls()).toBe(2);
    await s.answer("no\n");
    expect(probe()).toBe(false);
  });

  it("timedatectl: a failing command counts as not synchronized, and one query runs at a time", async () => {
    let t = 0;
    const s = scripted();
    const probe = timedatectlProbe(s.run, () => t);
    probe();
    t = 60_000;
    probe();
    expect(s.calls()).toBe(1);
    await s.answer(new Error("timedatectl: not found"));
    expect(probe()).toBe(false);
    expect(s.calls()).toBe(2);
  });

  it("always trusts the clock; doctor's one-shot waits for timedatectl", async () => {
    expect(syncProbe("always")()).toBe(true);
    await expect(syncedNow("timedatectl", async () => "yes")).resolves.toBe(true);
    await expect(syncedNow("timedatectl", async () => Promise.reject(new Error("no")))).resolves.toBe(false);
  });
});
