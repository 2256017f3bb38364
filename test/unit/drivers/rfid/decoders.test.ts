import { describe, expect, it } from "vitest";
import { encodeRdm6300, LineDecoder, Rdm6300Decoder } from "../../../../drivers/rfid/decoders.js";
import { normalizeUid } from "../../../../drivers/rfid/uid.js";

const rdmFrame = encodeRdm6300;

describe("UID normalization", () => {
  it.each([
    ["04:a2:2b:3c", "04A22B3C"],
    ["04 A2 2B 3C 4D 5E 6F", "04A22B3C4D5E6F"],
    ["0102030405060708090a", "0102030405060708090A"],
    ["1a00abcdef", "1A00ABCDEF"],
  ])("%s → %s", (input, out) => {
    expect(normalizeUid(input)).toBe(out);
  });

  it.each(["", "xyz", "0102", "010203040506", "0102030", "01020304050607080910111213"])("rejects %j", (input) => {
    expect(normalizeUid(input)).toBeUndefined();
  });
});

describe("RDM6300 frames", () => {
  it("decodes a frame split across chunks and skips bytes between frames", () => {
    const d = new Rdm6300Decoder();
    const f = rdmFrame("1a00abcdef");
    expect(d.feed(Buffer.concat([Buffer.from([0xff, 0x00]), f.subarray(0, 5)]))).toEqual([]);
    expect(d.feed(f.subarray(5))).toEqual([{ kind: "id", id: "1A00ABCDEF" }]);
  });

  it.each([
    ["bad checksum", rdmFrame("1A00ABCDEF", "00"), /checksum/],
    ["not hex", rdmFrame("1A00ABCDEZ", "00"), /not hex/],
    ["truncated", Buffer.concat([Buffer.from([0x02]), Buffer.from("1A00AB", "latin1"), Buffer.from([0x03])]), /characters, not 12/],
    ["restarted", Buffer.concat([Buffer.from([0x02, 0x31, 0x32]), rdmFrame("1A00ABCDEF")]), /truncated/],
    ["overlong", Buffer.concat([Buffer.from([0x02]), Buffer.from("1A00ABCDEF0000", "latin1"), Buffer.from([0x03])]), /too long/],
  ])("reports %s", (_what, bytes, problem) => {
    const out = new Rdm6300Decoder().feed(bytes);
    expect(out[0]).toEqual({ kind: "problem", problem: expect.stringMatching(problem) });
  });
});

describe("line readers", () => {
  it("reads one UID per line with any line end", () => {
    const d = new LineDecoder();
    expect(d.feed(Buffer.from("04a22b3c\r\n04A22B3C4D5E6F\n"))).toEqual([
      { kind: "id", id: "04A22B3C" },
      { kind: "id", id: "04A22B3C4D5E6F" },
    ]);
    expect(d.feed(Buffer.from("0102"))).toEqual([]);
    expect(d.feed(Buffer.from("0304\r"))).toEqual([{ kind: "id", id: "01020304" }]);
  });

  it("reports bad lines and endless input", () => {
    const d = new LineDecoder();
    expect(d.feed(Buffer.from("hello\n"))[0]).toMatchObject({ kind: "problem" });
    expect(d.feed(Buffer.alloc(100, 0x41))[0]).toMatchObject({ kind: "problem", problem: expect.stringMatching(/without a line end/) });
  });
});
