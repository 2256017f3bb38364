import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { decodeRegisters, encodeRegisters } from "../../../../drivers/modbus/decode.js";
import { listMeterModels, loadMeterMap } from "../../../../drivers/modbus/maps.js";
import { planReads } from "../../../../drivers/modbus/planner.js";
import { InputError } from "../../../../src/config/validate.js";

describe("register decoding", () => {
  it("decodes float32 high word first (Eastron)", () => {
    expect(decodeRegisters([0x4366, 0x0000], "float32", "high-first").value).toBe(230);
  });

  it("decodes int32 low word first (Carlo Gavazzi)", () => {
    expect(decodeRegisters([0x0001, 0x0000], "int32", "low-first").value).toBe(1);
    expect(decodeRegisters([0xfffe, 0xffff], "int32", "low-first").value).toBe(-2);
  });

  it("decodes uint64 and reports raw hex for sentinels", () => {
    expect(decodeRegisters([0, 0, 0x0001, 0x0000], "uint64", "high-first").value).toBe(65536);
    expect(decodeRegisters([0xffff, 0xffff], "uint32", "high-first").hex).toBe("FFFFFFFF");
  });

  it("round-trips every type and word order", () => {
    for (const type of ["float32", "int32", "uint32", "uint64", "int16", "uint16"] as const) {
      for (const order of ["high-first", "low-first"] as const) {
        const v = type === "int32" || type === "int16" ? -1234 : 4321;
        expect(decodeRegisters(encodeRegisters(v, type, order), type, order).value).toBe(v);
      }
    }
  });
});

describe("meter maps", () => {
  it("every boards/meters/*.json validates and plans", () => {
    const models = listMeterModels();
    expect(models).toEqual(expect.arrayContaining(["sdm630", "sdm120", "sdm72d-m", "abb-b23", "em340", "orno-we516"]));
    for (const m of models) {
      const map = loadMeterMap(m);
      const plan = planReads(map);
      for (const p of plan) expect(p.count).toBeLessThanOrEqual(map.maxRegistersPerRead);
      const planned = plan.flatMap((p) => p.items.map((i) => i.quantity)).sort();
      expect(planned).toEqual(Object.keys(map.registers).sort());
    }
  });

  it("plans the SDM630 full set in at most 3 requests", () => {
    expect(planReads(loadMeterMap("sdm630")).length).toBeLessThanOrEqual(3);
  });

  it("splits at the read limit and at gaps", () => {
    const map = { ...loadMeterMap("sdm630"), maxRegistersPerRead: 20, maxGapRegisters: 0 };
    const plan = planReads(map);
    expect(plan.map((p) => [p.address, p.count])).toEqual([
      [0x00, 18],
      [0x34, 2],
      [0x46, 6],
    ]);
  });

  it("names the file, field and problem for a bad map", () => {
    const dir = mkdtempSync(join(tmpdir(), "evsed-maps-"));
    const good = loadMeterMap("sdm120");
    writeFileSync(
      join(dir, "bad.json"),
      JSON.stringify({ ...good, model: "bad", registers: { ...good.registers, power: { address: 1, type: "float32" } } }),
    );
    expect(() => loadMeterMap("bad", dir)).toThrow(/bad\.json: \/registers\/power: overlaps voltageL1/);
    writeFileSync(join(dir, "typo.json"), JSON.stringify({ ...good, model: "typo", wordOrdr: "x" }));
    expect(() => loadMeterMap("typo", dir)).toThrow(InputError);
    expect(() => loadMeterMap("missing", dir)).toThrow(/no register map for meter model 'missing'/);
  });
});
