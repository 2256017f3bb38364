import type { Static } from "@sinclair/typebox";
import type { SerialTokenReaderSpec } from "../../src/config/board-schema.js";
import { type DriverLog, quietLog } from "../driver-log.js";
import type { SerialBinding } from "../serial.js";
import type { Clock } from "../types.js";
import { LineDecoder, Rdm6300Decoder } from "./decoders.js";
import { SerialTokenReader } from "./reader.js";

export { encodeRdm6300, LineDecoder, Rdm6300Decoder } from "./decoders.js";
export { SerialTokenReader } from "./reader.js";
export { normalizeUid } from "./uid.js";

export type TokenReaderSpec = Static<typeof SerialTokenReaderSpec>;

/** An RDM6300 (9600 baud by default) or line-based token reader from a board's spec. */
export function createSerialTokenReader(
  spec: TokenReaderSpec,
  deps: { readonly clock: Clock; readonly portPath?: string; readonly log?: DriverLog; readonly binding?: SerialBinding },
): SerialTokenReader {
  return new SerialTokenReader({
    path: deps.portPath ?? spec.port,
    baudRate: spec.baudRate ?? 9600,
    decoder: spec.type === "rdm6300" ? () => new Rdm6300Decoder() : () => new LineDecoder(),
    debounceMs: spec.debounceMs ?? 2000,
    clock: deps.clock,
    log: deps.log ?? quietLog,
    ...(deps.binding ? { binding: deps.binding } : {}),
  });
}
