import { EventEmitter } from "node:events";
import type { SerialPortStream } from "@serialport/stream";
import { closeSerialLine, openSerialLine, type SerialLineOptions } from "../serial.js";

/** Longest Modbus RTU frame. */
const MAX_FRAME = 256;

/**
 * A Modbus RTU port for modbus-serial's `new ModbusRTU(port)`: it opens the line through
 * openSerialLine (so tests can inject a binding), forgets every byte received before a request (a
 * late reply to an earlier, timed-out request can never answer the next one), and hands modbus-serial
 * one candidate frame: from the first byte followed by the expected function code (or its exception
 * code) up to the expected length. modbus-serial then checks CRC, unit id and function code.
 * Events: `data` (a frame), `close`, `error`.
 */
export class RtuLinePort extends EventEmitter {
  private port: SerialPortStream | undefined;
  private buffer = Buffer.alloc(0);
  private fc = 0;
  private expected = 0;

  constructor(private readonly line: SerialLineOptions) {
    super();
  }

  get isOpen(): boolean {
    return this.port?.isOpen === true;
  }

  open(callback: (err: Error | null) => void): void {
    openSerialLine(this.line).then(
      (port) => {
        this.port = port;
        port.on("data", (chunk: Buffer) => this.onData(chunk));
        port.on("error", (err: Error) => this.emit("error", err));
        port.on("close", () => {
          if (this.port === port) this.port = undefined;
          this.emit("close");
        });
        callback(null);
      },
      (err: Error) => callback(err),
    );
  }

  close(callback?: () => void): void {
    const port = this.port;
    this.port = undefined;
    if (!port) {
      callback?.();
      return;
    }
    closeSerialLine(port).then(() => callback?.());
  }

  write(data: Buffer): void {
    this.buffer = Buffer.alloc(0);
    this.fc = data[1] ?? 0;
    const count = data.length >= 6 ? data.readUInt16BE(4) : 0;
    this.expected = this.fc === 3 || this.fc === 4 ? 5 + 2 * count : 8;
    this.port?.write(data);
  }

  private onData(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]).subarray(-MAX_FRAME);
    for (let i = 0; i + 1 < this.buffer.length; i++) {
      const code = this.buffer[i + 1];
      const length = code === this.fc ? this.expected : code === (this.fc | 0x80) ? 5 : 0;
      if (length === 0) continue;
      if (this.buffer.length - i < length) return;
      const frame = this.buffer.subarray(i, i + length);
      this.buffer = this.buffer.subarray(i + length);
      this.emit("data", frame);
      return;
    }
  }
}
