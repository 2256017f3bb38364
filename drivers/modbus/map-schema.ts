import { type Static, Type } from "@sinclair/typebox";

/** How the registers of one value are encoded. 16-bit types use one register, 32-bit two, 64-bit four. */
export type RegisterTypeName = "float32" | "int32" | "uint32" | "uint64" | "int16" | "uint16";

const WordOrder = Type.Union([Type.Literal("high-first"), Type.Literal("low-first")], {
  description: "Order of the 16-bit registers of a multi-register value; bytes inside a register are always big-endian.",
});

const FunctionCode = Type.Union([Type.Literal(3), Type.Literal(4)], { description: "3 = holding, 4 = input registers." });

export const MeterRegister = Type.Object(
  {
    address: Type.Integer({ minimum: 0, maximum: 0xffff, description: "0-based wire address of the first register." }),
    type: Type.Union([
      Type.Literal("float32"),
      Type.Literal("int32"),
      Type.Literal("uint32"),
      Type.Literal("uint64"),
      Type.Literal("int16"),
      Type.Literal("uint16"),
    ]),
    scale: Type.Number({
      default: 1,
      description: "Multiplies the decoded value into the quantity's unit (V, A, W, Wh, Hz): kWh → 1000, 0.01 kWh → 10, ÷10 V → 0.1.",
    }),
    functionCode: Type.Optional(FunctionCode),
    wordOrder: Type.Optional(WordOrder),
  },
  { additionalProperties: false },
);

/** Quantities a map may provide, each in a fixed unit. */
export const QUANTITIES = {
  voltageL1: "V",
  voltageL2: "V",
  voltageL3: "V",
  currentL1: "A",
  currentL2: "A",
  currentL3: "A",
  powerL1: "W",
  powerL2: "W",
  powerL3: "W",
  power: "W",
  frequency: "Hz",
  importEnergy: "Wh",
  exportEnergy: "Wh",
} as const;

export type Quantity = keyof typeof QUANTITIES;

const opt = Type.Optional(MeterRegister);

const HexWords = Type.Array(Type.String({ pattern: "^[0-9A-F]{4}([0-9A-F]{4}){0,3}$" }), {
  description: "Raw register contents (upper-case hex, high word first) that mean 'no value'.",
});

/** A meter register map (boards/meters/<model>.json). Devices are data. */
export const MeterMapSchema = Type.Object(
  {
    $schema: Type.Optional(Type.String()),
    model: Type.String({ pattern: "^[a-z0-9-]+$", description: "Equals the file name without .json." }),
    name: Type.String({ minLength: 1 }),
    phases: Type.Union([Type.Literal(1), Type.Literal(3)]),
    functionCode: FunctionCode,
    wordOrder: WordOrder,
    maxRegistersPerRead: Type.Integer({ minimum: 1, maximum: 125, description: "Most registers the meter returns in one request." }),
    maxGapRegisters: Type.Integer({
      minimum: 0,
      maximum: 125,
      default: 0,
      description: "Unused registers one request may span to join two blocks (the meter must answer them).",
    }),
    defaults: Type.Object(
      {
        unitId: Type.Integer({ minimum: 1, maximum: 247 }),
        baudRate: Type.Integer({ minimum: 1200, maximum: 115200 }),
        parity: Type.Union([Type.Literal("none"), Type.Literal("even"), Type.Literal("odd")]),
        stopBits: Type.Union([Type.Literal(1), Type.Literal(2)]),
      },
      { additionalProperties: false },
    ),
    invalid: Type.Optional(Type.Array(HexWords.items, { description: HexWords.description })),
    registers: Type.Object(
      {
        voltageL1: MeterRegister,
        voltageL2: opt,
        voltageL3: opt,
        currentL1: MeterRegister,
        currentL2: opt,
        currentL3: opt,
        powerL1: opt,
        powerL2: opt,
        powerL3: opt,
        power: MeterRegister,
        frequency: opt,
        importEnergy: MeterRegister,
        exportEnergy: opt,
      },
      { additionalProperties: false },
    ),
    notes: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

export type MeterMap = Static<typeof MeterMapSchema>;
export type MeterRegisterSpec = Static<typeof MeterRegister>;
