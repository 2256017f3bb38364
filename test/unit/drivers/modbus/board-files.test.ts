import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { listMeterModels, loadMeterMap, meterMapDir } from "../../../../drivers/modbus/maps.js";
import { BoardSchema } from "../../../../src/config/board-schema.js";
import { loadBoard } from "../../../../src/config/load.js";
import { Validator } from "../../../../src/config/validate.js";

const boardsDir = join(meterMapDir(), "..");
const boardFiles = readdirSync(boardsDir).filter((f) => f.endsWith(".json"));

describe("board files", () => {
  const validator = new Validator(BoardSchema);

  it("includes the real-hardware boards", () => {
    expect(boardFiles).toEqual(expect.arrayContaining(["rpi-openevse-rapi.json", "rpi-relay-sdm120.json", "esci-home.json"]));
  });

  it.each(boardFiles)("%s is valid against BoardSchema and consistent", (file) => {
    const board = validator.check(JSON.parse(readFileSync(join(boardsDir, file), "utf8")), file);
    expect(`${board.name}.json`).toBe(file);
    const d = board.drivers;
    const c = board.capabilities;
    expect(d.pilot !== undefined).toBe(c.pilot);
    expect(d.contactor !== undefined).toBe(c.contactor);
    expect(d.meter !== undefined).toBe(c.meter);
    expect(d.tokenReader !== undefined).toBe(c.tokenReader);
    for (const m of [d.meter, d.gridMeter]) {
      if (m && m.type === "modbus") expect(listMeterModels()).toContain(m.model);
    }
    if (d.contactor?.type === "rapi") expect(d.pilot?.type).toBe("rapi");
    expect(loadBoard(join(boardsDir, file)).board.name).toBe(board.name);
  });

  it.each(listMeterModels())("meters/%s.json is a valid register map", (model) => {
    expect(loadMeterMap(model).model).toBe(model);
  });
});
