import { normalizeUid } from "./uid.js";

/** What a decoder makes of the bytes it was fed: card ids and one problem per bad frame or line. */
export type DecoderOutput = { readonly kind: "id"; readonly id: string } | { readonly kind: "problem"; readonly problem: string };

export interface TokenDecoder {
  feed(chunk: Buffer): DecoderOutput[];
}

const STX = 0x02;
const ETX = 0x03;
/** STX + 10 data hex + 2 checksum hex. */
const BODY = 13;

/**
 * RDM6300 (125 kHz EM4100) frames: STX, 10 hex characters (version byte + 4-byte tag), 2 hex
 * characters of XOR checksum over the 5 data bytes, ETX. The id is the 10 data characters, upper
 * case. Frames with a bad checksum, bad characters or the wrong length are problems; bytes outside a
 * frame are skipped.
 */
export class Rdm6300Decoder implements TokenDecoder {
  private frame: number[] | undefined;

  feed(chunk: Buffer): DecoderOutput[] {
    const out: DecoderOutput[] = [];
    for (const byte of chunk) {
      if (byte === STX) {
        if (this.frame) out.push({ kind: "problem", problem: "RDM6300 frame truncated (new STX before ETX)" });
        this.frame = [byte];
      } else if (this.frame) {
        if (byte === ETX) {
          out.push(this.decode(this.frame));
          this.frame = undefined;
        } else if (this.frame.length >= BODY) {
          out.push({ kind: "problem", problem: "RDM6300 frame too long (no ETX)" });
          this.frame = undefined;
        } else {
          this.frame.push(byte);
        }
      }
    }
    return out;
  }

  private decode(frame: number[]): DecoderOutput {
    const text = Buffer.from(frame.slice(1)).toString("latin1");
    if (frame.length !== BODY) return { kind: "problem", problem: `RDM6300 frame has ${frame.length - 1} characters, not 12` };
    if (!/^[0-9A-Fa-f]{12}$/.test(text)) return { kind: "problem", problem: `RDM6300 frame is not hex: ${JSON.stringify(text)}` };
    let xor = 0;
    for (let i = 0; i < 10; i += 2) xor ^= Number.parseInt(text.slice(i, i + 2), 16);
    const sum = Number.parseInt(text.slice(10, 12), 16);
    if (xor !== sum) return { kind: "problem", problem: `RDM6300 checksum ${sum.toString(16)} != ${xor.toString(16)}` };
    return { kind: "id", id: text.slice(0, 10).toUpperCase() };
  }
}

/** An RDM6300 frame for 10 hex data characters, with the right checksum unless `checksum` is given (simulators, tests). */
export function encodeRdm6300(data: string, checksum?: string): Buffer {
  let xor = 0;
  for (let i = 0; i < 10; i += 2) xor ^= Number.parseInt(data.slice(i, i + 2), 16);
  const sum = checksum ?? xor.toString(16).toUpperCase().padStart(2, "0");
  return Buffer.concat([Buffer.from([STX]), Buffer.from(data + sum, "latin1"), Buffer.from([ETX])]);
}

/** Longest line a line reader sends; longer input is noise. */
const MAX_LINE = 64;

/** Line readers: one UID in hex per line (CR, LF or CRLF), separators allowed. */
export class LineDecoder implements TokenDecoder {
  private partial = "";

  feed(chunk: Buffer): DecoderOutput[] {
    const out: DecoderOutput[] = [];
    const lines = (this.partial + chunk.toString("latin1")).split(/\r\n|\r|\n/);
    this.partial = lines.pop() ?? "";
    if (this.partial.length > MAX_LINE) {
      out.push({ kind: "problem", problem: `line reader: discarded ${this.partial.length} characters without a line end` });
      this.partial = "";
    }
    for (const line of lines) {
      if (line.trim() === "") continue;
      const id = normalizeUid(line);
      out.push(
        id
          ? { kind: "id", id }
          : { kind: "problem", problem: `line reader: not a 4/5/7/10-byte hex UID: ${JSON.stringify(line.slice(0, MAX_LINE))}` },
      );
    }
    return out;
  }
}
