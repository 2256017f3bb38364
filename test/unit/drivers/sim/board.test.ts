import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { BoardSchema } from "../../../../src/config/board-schema.js";
import { Validator } from "../../../../src/config/validate.js";

describe("boards/sim.json", () => {
  it("is a valid board with every driver simulated", () => {
    const board = new Validator(BoardSchema).check(JSON.parse(readFileSync("boards/sim.json", "utf8")), "boards/sim.json");
    expect(board).toMatchObject({ name: "sim", ratedCurrentA: 32, phases: 3, nominalVoltageV: 230 });
    expect(board.capabilities).toEqual({
      pilot: true,
      contactor: true,
      feedback: true,
      meter: true,
      gridMeter: false,
      tokenReader: true,
      pevLink: true,
      bidirectional: false,
      ventilation: false,
    });
    for (const d of ["pilot", "contactor", "meter", "tokenReader", "pevLink"] as const) expect(board.drivers[d]).toEqual({ type: "sim" });
  });
});
