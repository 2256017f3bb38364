import { existsSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli, tempDir } from "../../helpers/cli.js";

const goodBoard = {
  name: "test-board",
  description: "sim hardware",
  ratedCurrentA: 32,
  phases: 3,
  capabilities: { pilot: true, contactor: true, feedback: true, meter: true, tokenReader: true, pevLink: true },
  drivers: {
    pilot: { type: "sim" },
    contactor: { type: "sim" },
    meter: { type: "sim" },
    tokenReader: { type: "sim" },
    pevLink: { type: "sim" },
  },
};

interface Case {
  name: string;
  config?: string;
  board?: unknown;
  boardText?: string;
  env?: Record<string, string>;
  args?: string[];
  /** Substrings the one error line must contain: the source, the path, the problem. */
  expect: string[];
}

const cases: Case[] = [
  { name: "a YAML syntax error", config: "stationId: [unclosed\n", expect: ["evsed.yaml", "not valid YAML"] },
  { name: "an unknown top-level key", config: "stationId: s1\ncolour: blue\n", expect: ["evsed.yaml", "/", "unknown key 'colour'"] },
  { name: "an unknown nested key", config: "charging:\n  maxCurent: 16\n", expect: ["evsed.yaml", "/charging", "unknown key 'maxCurent'"] },
  { name: "a wrong type", config: "charging:\n  maxCurrentA: lots\n", expect: ["evsed.yaml", "/charging/maxCurrentA", "must be number"] },
  {
    name: "a value out of range",
    config: "charging:\n  maxCurrentA: 100\n",
    expect: ["evsed.yaml", "/charging/maxCurrentA", "must be <= 80"],
  },
  { name: "an unknown clock sync source", config: "clock:\n  sync: gps\n", expect: ["evsed.yaml", "/clock/sync", "must be one of"] },
  { name: "a bad station id", config: "stationId: 'has spaces'\n", expect: ["evsed.yaml", "/stationId", "must match pattern"] },
  { name: "a config that is a list", config: "- a\n- b\n", expect: ["evsed.yaml", "must be a mapping"] },
  {
    name: "a bad environment override",
    config: "stationId: s1\n",
    env: { EVSED_CHARGING__MAX_CURRENT_A: "abc" },
    expect: ["EVSED_CHARGING__MAX_CURRENT_A", "/charging/maxCurrentA", "must be number"],
  },
  { name: "a missing config file", args: ["-c", "nope.yaml"], expect: ["nope.yaml", "config file not found"] },
  { name: "a missing board file", config: "board: boards/none.json\n", expect: ["none.json", "board file not found"] },
  {
    name: "a board that is not JSON",
    config: "board: board.json\n",
    boardText: "{ name: [",
    expect: ["board.json", "not valid YAML or JSON"],
  },
  {
    name: "a board with an unknown driver type",
    config: "board: board.json\n",
    board: { ...goodBoard, drivers: { ...goodBoard.drivers, meter: { type: "telepathy" } } },
    expect: ["board.json", "/drivers/meter", 'unknown type "telepathy"'],
  },
  {
    name: "a board with an unknown key",
    config: "board: board.json\n",
    board: { ...goodBoard, colour: "red" },
    expect: ["board.json", "unknown key 'colour'"],
  },
  {
    name: "a board whose capabilities and drivers disagree",
    config: "board: board.json\n",
    board: { ...goodBoard, capabilities: { ...goodBoard.capabilities, tokenReader: false } },
    expect: ["board.json", "/capabilities/tokenReader", "drivers.tokenReader is given"],
  },
  {
    name: "a board missing a required key",
    config: "board: board.json\n",
    board: { ...goodBoard, ratedCurrentA: undefined },
    expect: ["board.json", "missing required key 'ratedCurrentA'"],
  },
];

describe("bad configuration and board files", () => {
  for (const c of cases) {
    it(`exits 2 with one clear message and writes nothing for ${c.name}`, async () => {
      const dir = tempDir();
      if (c.config !== undefined) writeFileSync(join(dir, "evsed.yaml"), c.config);
      if (c.board !== undefined) writeFileSync(join(dir, "board.json"), JSON.stringify(c.board));
      if (c.boardText !== undefined) writeFileSync(join(dir, "board.json"), c.boardText);
      const before = readdirSync(dir).sort();
      const r = await runCli([...(c.args ?? []), "run"], { cwd: dir, ...(c.env ? { env: c.env } : {}) });
      expect(r.code).toBe(2);
      const lines = r.stderr.trim().split("\n");
      expect(lines).toHaveLength(1);
      for (const part of c.expect) expect(lines[0]).toContain(part);
      expect(readdirSync(dir).sort()).toEqual(before);
      expect(existsSync(join(dir, "var"))).toBe(false);
    });
  }

  it("exits 2 for an unknown command and for a bad option value", async () => {
    const dir = tempDir();
    expect((await runCli(["frobnicate"], { cwd: dir })).code).toBe(2);
    const r = await runCli(["sim", "--speed", "-3"], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--speed");
    expect(existsSync(join(dir, "var"))).toBe(false);
  });

  it("prints help for every command and exits 0", async () => {
    const dir = tempDir();
    for (const cmd of [[], ["run"], ["sim"], ["status"], ["sessions"]]) {
      const r = await runCli([...cmd, "--help"], { cwd: dir });
      expect(r.code).toBe(0);
      expect(r.stdout).toContain("Usage: evsed");
    }
  });
});
