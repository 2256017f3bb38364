import { Type } from "@sinclair/typebox";
import { describe, expect, it } from "vitest";
import { ManualClock } from "../../../../drivers/clock/manual.js";
import { silentLogger } from "../../../../src/app/log.js";
import { changedPaths, mergePatch, REDACTED, redact } from "../../../../src/services/uplink/commands/config.js";
import { CommandDispatcher, type CommandResult, MAX_COMMAND_BYTES } from "../../../../src/services/uplink/commands/dispatcher.js";
import { CommandRegistry, CommandRejected } from "../../../../src/services/uplink/commands/registry.js";
import { SeenCommands } from "../../../../src/services/uplink/commands/seen.js";
import { openDb } from "../../../../src/store/db.js";

function setup(window = 100) {
  const { db } = openDb(":memory:");
  const clock = new ManualClock();
  const registry = new CommandRegistry();
  const calls: unknown[] = [];
  const answers: { name: string; result: CommandResult }[] = [];
  const rejected: string[] = [];
  registry.add({
    name: "echo",
    description: "test",
    schema: Type.Object({ n: Type.Integer({ minimum: 0 }) }),
    handler: (p, ctx) => {
      calls.push(p);
      if (p.n === 13) throw new CommandRejected("unlucky");
      if (p.n === 99) throw new Error("broken");
      ctx.afterAnswer(() => calls.push("after"));
      return { twice: p.n * 2 };
    },
  });
  const dispatcher = new CommandDispatcher({
    registry,
    seen: new SeenCommands(db, window),
    clock,
    log: silentLogger(),
    answer: async (name, result) => {
      answers.push({ name, result });
    },
    onRejected: (_name, result) => rejected.push(result.error?.code ?? "?"),
  });
  const send = async (name: string, body: unknown): Promise<CommandResult> => {
    await dispatcher.handle(name, Buffer.isBuffer(body) ? body : Buffer.from(typeof body === "string" ? body : JSON.stringify(body)));
    return answers.at(-1)?.result as CommandResult;
  };
  return { db, clock, registry, calls, answers, rejected, send };
}

describe("CommandDispatcher", () => {
  it("runs a valid command, answers ok with data, then runs afterAnswer hooks", async () => {
    const t = setup();
    expect(await t.send("echo", { cmdId: "a", n: 2 })).toEqual({ cmdId: "a", status: "ok", data: { twice: 4 } });
    expect(t.calls).toEqual([{ n: 2 }, "after"]);
  });

  it.each([
    ["tooLarge", "echo", Buffer.alloc(MAX_COMMAND_BYTES + 1, 0x20)],
    ["malformed", "echo", "{"],
    ["unknownCommand", "nope", { cmdId: "a" }],
    ["invalid", "echo", { cmdId: "a", n: -1 }],
    ["invalid", "echo", { cmdId: "a", n: 1, more: true }],
    ["invalid", "echo", [1, 2]],
    ["expired", "echo", { cmdId: "a", n: 1, expiresAt: "2026-11-22T09:59:59Z" }],
    ["refused", "echo", { cmdId: "a", n: 13 }],
  ])("rejects (%s) and reports it", async (code, name, body) => {
    const t = setup();
    const r = await t.send(name, body);
    expect(r.status).toBe("rejected");
    expect(r.error?.code).toBe(code);
    expect(t.rejected).toEqual([code]);
    expect(t.answers[0]?.name).toBe(name);
    if (code !== "refused") expect(t.calls).toEqual([]);
  });

  it("answers error when a handler fails, without recording a rejection", async () => {
    const t = setup();
    expect(await t.send("echo", { cmdId: "x", n: 99 })).toMatchObject({ status: "error", error: { code: "internal" } });
    expect(t.rejected).toEqual([]);
  });

  it("rejects a replay and keeps only the newest ids in the window", async () => {
    const t = setup(100);
    await t.send("echo", { cmdId: "first", n: 1 });
    expect((await t.send("echo", { cmdId: "first", n: 1 })).error?.code).toBe("replayed");
    for (let i = 0; i < 100; i++) await t.send("echo", { cmdId: `c${i}`, n: 1 });
    expect((t.db.prepare("SELECT count(*) AS n FROM seen_commands").get() as { n: number }).n).toBe(100);
    expect((await t.send("echo", { cmdId: "first", n: 1 })).status).toBe("ok");
  });

  it("does not remember the ids of rejected commands", async () => {
    const t = setup();
    await t.send("echo", { cmdId: "e", n: 1, expiresAt: "2026-11-22T09:00:00Z" });
    expect((await t.send("echo", { cmdId: "e", n: 1 })).status).toBe("ok");
  });

  it("reads the cmdId of an oversized payload from its first bytes", async () => {
    const t = setup();
    const big = Buffer.alloc(MAX_COMMAND_BYTES * 2, 0x20);
    big.write('{"cmdId":"big","n":1,"x":"', 0);
    expect(await t.send("echo", big)).toMatchObject({ cmdId: "big", status: "rejected" });
  });

  it("refuses names that are not one topic level, duplicates and envelope fields", () => {
    const r = new CommandRegistry();
    const def = { name: "ok", description: "", schema: Type.Object({}), handler: () => undefined };
    r.add(def);
    expect(() => r.add(def)).toThrow(/already/);
    expect(() => r.add({ ...def, name: "a/b" })).toThrow(/topic level/);
    expect(() => r.add({ ...def, name: "c", schema: Type.Object({ cmdId: Type.String() }) })).toThrow(/envelope/);
  });
});

describe("config command helpers", () => {
  it("applies a JSON merge patch", () => {
    expect(mergePatch({ a: 1, b: { c: 2, d: 3 } }, { a: null, b: { c: 5 }, e: [1] })).toEqual({ b: { c: 5, d: 3 }, e: [1] });
  });

  it("redacts secrets by key", () => {
    expect(redact({ mqtt: { password: "x", passwordFile: "/p", username: "u" }, list: [{ token: "t" }] })).toEqual({
      mqtt: { password: REDACTED, passwordFile: "/p", username: "u" },
      list: [{ token: REDACTED }],
    });
  });

  it("lists changed leaf paths", () => {
    expect(changedPaths({ a: 1, b: { c: 2, d: [1] } }, { a: 1, b: { c: 3, d: [1, 2] }, e: 0 })).toEqual(["b.c", "b.d", "e"]);
  });
});
