import type { Contactor, Meter, PevLink, Pilot, TokenReader } from "../../drivers/types.js";

/**
 * The drivers a board file asks for, built and ready to start. Absent members are capabilities the
 * board does not have (an ESCI board has no pilot or contactor).
 */
export interface DriverSet {
  pilot?: Pilot;
  contactor?: Contactor;
  meter?: Meter;
  gridMeter?: Meter;
  tokenReader?: TokenReader;
  pevLink?: PevLink;
}
