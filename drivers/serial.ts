import { SerialPortStream } from "@serialport/stream";
import { SerialPort } from "serialport";

/** A serialport binding: the real one by default; `@serialport/binding-mock` or another in tests. */
export type SerialBinding = ConstructorParameters<typeof SerialPortStream>[0]["binding"];

export interface SerialLineOptions {
  readonly path: string;
  readonly baudRate: number;
  readonly parity?: "none" | "even" | "odd";
  readonly stopBits?: 1 | 2;
  readonly binding?: SerialBinding;
}

/** Upper bound on how long opening a device may take before it counts as failed. */
const OPEN_TIMEOUT_MS = 5000;

/**
 * Open a serial line and resolve with the open stream, or reject with an Error naming the device and,
 * for the usual causes, what fixes it (missing device, permission → `dialout` group).
 */
export function openSerialLine(opts: SerialLineOptions): Promise<SerialPortStream> {
  const settings = {
    path: opts.path,
    baudRate: opts.baudRate,
    parity: opts.parity ?? "none",
    stopBits: opts.stopBits ?? 1,
    dataBits: 8 as const,
    autoOpen: false,
  };
  const port: SerialPortStream = opts.binding ? new SerialPortStream({ ...settings, binding: opts.binding }) : new SerialPort(settings);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${opts.path}: open timed out after ${OPEN_TIMEOUT_MS} ms`)), OPEN_TIMEOUT_MS);
    port.open((err) => {
      clearTimeout(timer);
      if (err) reject(new Error(`${opts.path}: cannot open serial device: ${err.message}${serialHint(err.message)}`));
      else resolve(port);
    });
  });
}

/** Close without throwing; resolves once closed (or immediately when already closed). */
export function closeSerialLine(port: SerialPortStream): Promise<void> {
  return new Promise((resolve) => {
    if (!port.isOpen) return resolve();
    port.close(() => resolve());
  });
}

function serialHint(message: string): string {
  if (/EACCES|permission/i.test(message)) return " (add the service user to the 'dialout' group: sudo usermod -aG dialout evsed)";
  if (/ENOENT|no such file/i.test(message))
    return " (device missing: check the cable/adapter, the board file's port or devices.* in the config)";
  if (/EBUSY|locked/i.test(message)) return " (device busy: another program, e.g. a serial console on ttyAMA0, holds it)";
  return "";
}
