import type { RegisterTypeName } from "./map-schema.js";

/**
 * Decode one value from its registers (each 0–65535, in wire order). `wordOrder` says which register
 * holds the most significant word. Returns the raw number (before scaling) and the registers as hex,
 * high word first, for comparing with a map's invalid sentinels.
 */
export function decodeRegisters(
  words: readonly number[],
  type: RegisterTypeName,
  wordOrder: "high-first" | "low-first",
): { value: number; hex: string } {
  const ordered = wordOrder === "high-first" ? [...words] : [...words].reverse();
  const buf = Buffer.alloc(ordered.length * 2);
  ordered.forEach((w, i) => {
    buf.writeUInt16BE(w & 0xffff, i * 2);
  });
  const hex = buf.toString("hex").toUpperCase();
  switch (type) {
    case "float32":
      return { value: buf.readFloatBE(0), hex };
    case "int32":
      return { value: buf.readInt32BE(0), hex };
    case "uint32":
      return { value: buf.readUInt32BE(0), hex };
    case "uint64":
      return { value: Number(buf.readBigUInt64BE(0)), hex };
    case "int16":
      return { value: buf.readInt16BE(0), hex };
    case "uint16":
      return { value: buf.readUInt16BE(0), hex };
  }
}

/** Encode a raw value into registers in wire order: the inverse of decodeRegisters (for simulators). */
export function encodeRegisters(value: number, type: RegisterTypeName, wordOrder: "high-first" | "low-first"): number[] {
  const size = type === "uint64" ? 8 : type === "int16" || type === "uint16" ? 2 : 4;
  const buf = Buffer.alloc(size);
  switch (type) {
    case "float32":
      buf.writeFloatBE(value, 0);
      break;
    case "int32":
      buf.writeInt32BE(Math.round(value), 0);
      break;
    case "uint32":
      buf.writeUInt32BE(Math.round(value), 0);
      break;
    case "uint64":
      buf.writeBigUInt64BE(BigInt(Math.round(value)), 0);
      break;
    case "int16":
      buf.writeInt16BE(Math.round(value), 0);
      break;
    case "uint16":
      buf.writeUInt16BE(Math.round(value), 0);
      break;
  }
  const words: number[] = [];
  for (let i = 0; i < size; i += 2) words.push(buf.readUInt16BE(i));
  return wordOrder === "high-first" ? words : words.reverse();
}
