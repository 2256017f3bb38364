/**
 * OpenEVSE RAPI framing (firmware/open_evse/rapi_proc.h): `$cc p1 p2 [:ss]^XX\r`, where XX is the
 * 8-bit XOR of every character before `^` in upper-case hex and `ss` an optional sequence id (01–FF)
 * that the reply echoes. Replies are `$OK …` / `$NK …`; `$A…` lines are asynchronous notifications.
 */

/** A frame that failed to parse: bad checksum, missing `$`, malformed sequence id. */
export class RapiFrameError extends Error {
  constructor(
    readonly line: string,
    readonly problem: string,
  ) {
    super(`RAPI frame ${JSON.stringify(line.slice(0, 60))}: ${problem}`);
    this.name = "RapiFrameError";
  }
}

export type RapiMessage =
  /** A reply to a command: `ok` for `$OK`, false for `$NK`. */
  | { readonly kind: "reply"; readonly ok: boolean; readonly params: readonly string[]; readonly seq?: number }
  /** An asynchronous notification (`$AT`, `$AB`, `$AN`, `$WF`) or, on the controller side, a command. */
  | { readonly kind: "command"; readonly code: string; readonly params: readonly string[]; readonly seq?: number };

/** 8-bit XOR of the characters of `text`. */
export function xorChecksum(text: string): number {
  let sum = 0;
  for (let i = 0; i < text.length; i++) sum ^= text.charCodeAt(i) & 0xff;
  return sum;
}

function hex2(n: number): string {
  return n.toString(16).toUpperCase().padStart(2, "0");
}

/**
 * Build one frame including the trailing `\r`. `code` is the two-letter command (`GS`) or `OK`/`NK`.
 * `seq` (1–255) is appended as ` :ss` before the checksum.
 */
export function encodeFrame(code: string, params: readonly (string | number)[] = [], seq?: number): string {
  let body = `$${code}`;
  for (const p of params) body += ` ${String(p)}`;
  if (seq !== undefined) body += ` :${hex2(seq)}`;
  return `${body}^${hex2(xorChecksum(body))}\r`;
}

/**
 * Parse one line (without the `\r`). Bytes before the last `$` are line noise and ignored. A frame
 * must carry an XOR (`^XX`) or legacy additive (`*XX`) checksum that matches; anything else throws
 * RapiFrameError.
 */
export function parseFrame(raw: string): RapiMessage {
  const start = raw.lastIndexOf("$");
  if (start < 0) throw new RapiFrameError(raw, "no '$' start of frame");
  const line = raw.slice(start).replace(/\n/g, "");
  const m = /^(\$[^*^]*)([*^])([0-9A-Fa-f]{2})$/.exec(line);
  if (!m) throw new RapiFrameError(raw, "missing or malformed checksum");
  const body = m[1] as string;
  const expected = m[2] === "^" ? xorChecksum(body) : additiveChecksum(body);
  const got = Number.parseInt(m[3] as string, 16);
  if (expected !== got) throw new RapiFrameError(raw, `checksum ${hex2(got)} != ${hex2(expected)}`);
  const tokens = body
    .slice(1)
    .split(" ")
    .filter((t) => t.length > 0);
  const code = tokens.shift();
  if (!code || !/^[A-Z0-9]{2}$/.test(code)) throw new RapiFrameError(raw, "missing or malformed command code");
  let seq: number | undefined;
  const last = tokens[tokens.length - 1];
  if (last?.startsWith(":")) {
    if (!/^:[0-9A-Fa-f]{2}$/.test(last)) throw new RapiFrameError(raw, `malformed sequence id '${last}'`);
    seq = Number.parseInt(last.slice(1), 16);
    tokens.pop();
  }
  if (code === "OK" || code === "NK") return { kind: "reply", ok: code === "OK", params: tokens, ...(seq !== undefined ? { seq } : {}) };
  return { kind: "command", code, params: tokens, ...(seq !== undefined ? { seq } : {}) };
}

function additiveChecksum(text: string): number {
  let sum = 0;
  for (let i = 0; i < text.length; i++) sum = (sum + (text.charCodeAt(i) & 0xff)) & 0xff;
  return sum;
}
