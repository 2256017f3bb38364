/** The little a driver logs through; a pino Logger fits. Drivers log problems, never secrets. */
export interface DriverLog {
  warn(msg: string): void;
  info(msg: string): void;
  debug(msg: string): void;
}

/** A log that drops everything. */
export const quietLog: DriverLog = { warn: () => {}, info: () => {}, debug: () => {} };
