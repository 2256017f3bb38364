import { SerialPort } from "serialport";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../../drivers/clock/manual.js";
import { createSerialTokenReader, encodeRdm6300 as rdmFrame } from "../../../drivers/rfid/index.js";
import type { SerialTokenReader } from "../../../drivers/rfid/reader.js";
import type { TokenEvent } from "../../../drivers/types.js";
import { openPtyPair, type PtyPair, ptySkipReason, waitFor } from "../../helpers/pty.js";

const skip = ptySkipReason();

describe.skipIf(skip !== undefined)(`serial token readers on a pty${skip ? ` (skipped: ${skip})` : ""}`, () => {
  let pty: PtyPair;
  let far: SerialPort;
  let reader: SerialTokenReader;
  let clock: ManualClock;
  const tokens: TokenEvent[] = [];
  const problems: string[] = [];

  const start = async (type: "rdm6300" | "lines") => {
    reader = createSerialTokenReader({ type, port: "/dev/unused", debounceMs: 2000 }, { clock, portPath: pty.a });
    reader.on((t) => tokens.push(t));
    reader.onProblem((p) => problems.push(p));
    await reader.start();
  };
  const token = (id: string) =>
    waitFor<TokenEvent>(
      (l) => reader.on(l),
      (t) => t.id === id,
      `token ${id}`,
    );
  const problem = (re: RegExp) =>
    waitFor<string>(
      (l) => reader.onProblem(l),
      (p) => re.test(p),
      `problem ${re}`,
    );

  beforeEach(async () => {
    pty = await openPtyPair();
    far = new SerialPort({ path: pty.b, baudRate: 9600 });
    await new Promise<void>((resolve, reject) => far.once("open", resolve).once("error", reject));
    clock = new ManualClock();
    tokens.length = 0;
    problems.length = 0;
  });

  afterEach(async () => {
    await reader.stop();
    await new Promise<void>((resolve) => far.close(() => resolve()));
    await pty.close();
  });

  it("RDM6300 frames become token events; repeats of a held card are debounced", async () => {
    await start("rdm6300");
    const first = token("1A00ABCDEF");
    far.write(rdmFrame("1a00abcdef"));
    await first;
    far.write(Buffer.concat([rdmFrame("1A00ABCDEF"), rdmFrame("1A00ABCDEF")]));
    const other = token("0400112233");
    far.write(rdmFrame("0400112233"));
    await other;
    clock.advance(2500);
    const again = token("1A00ABCDEF");
    far.write(rdmFrame("1A00ABCDEF"));
    await again;
    expect(tokens.map((t) => t.id)).toEqual(["1A00ABCDEF", "0400112233", "1A00ABCDEF"]);
    expect(tokens.every((t) => t.source === "rfid")).toBe(true);
  });

  it("bad checksums, noise and truncated frames are problems, and good frames still get through", async () => {
    await start("rdm6300");
    const bad = problem(/checksum/);
    far.write(rdmFrame("1A00ABCDEF", "00"));
    await bad;
    const trunc = problem(/characters, not 12/);
    far.write(Buffer.from([0x02, 0x31, 0x32, 0x03, 0xff, 0x13, 0x37]));
    await trunc;
    const good = token("1A00ABCDEF");
    far.write(rdmFrame("1A00ABCDEF"));
    await good;
    expect(tokens).toHaveLength(1);
  });

  it("line readers: one UID per line, bad lines reported", async () => {
    await start("lines");
    const bad = problem(/not a 4\/5\/7\/10-byte hex UID/);
    far.write("not-a-card\r\n");
    await bad;
    const seven = token("04A22B3C4D5E6F");
    far.write("04:a2:2b:3c:4d:5e:6f\r\n");
    await seven;
    expect(tokens.map((t) => t.id)).toEqual(["04A22B3C4D5E6F"]);
  });

  it("an unplugged reader is reported and reopened when it returns", async () => {
    await start("rdm6300");
    const closed = problem(/closed/);
    await new Promise<void>((resolve) => far.close(() => resolve()));
    await pty.unplug();
    await closed;
    pty = await pty.replug();
    far = new SerialPort({ path: pty.b, baudRate: 9600 });
    await new Promise<void>((resolve, reject) => far.once("open", resolve).once("error", reject));
    const back = token("1A00ABCDEF");
    for (let i = 0; i < 50 && tokens.length === 0; i++) {
      await clock.advanceAsync(2000, 2000);
      far.write(rdmFrame("1A00ABCDEF"));
      await new Promise((r) => setImmediate(r));
    }
    await back;
  });
});
