import { describe, expect, it } from "vitest";
import { encodeFrame, parseFrame, RapiFrameError, xorChecksum } from "../../../../drivers/rapi/frame.js";
import { faultOfPostCode, faultOfState, parseStatus, pilotOf } from "../../../../drivers/rapi/states.js";

describe("RAPI framing", () => {
  it("matches the firmware's documented checksums", () => {
    expect(encodeFrame("GS")).toBe("$GS^30\r");
    expect(encodeFrame("GV")).toBe("$GV^35\r");
    expect(encodeFrame("F0", [1])).toBe("$F0 1^43\r");
    expect(encodeFrame("ST", [0, 0, 0, 0])).toBe("$ST 0 0 0 0^23\r");
  });

  it("appends the sequence id before the checksum", () => {
    const f = encodeFrame("SC", [16, "V"], 0x1a);
    expect(f.startsWith("$SC 16 V :1A^")).toBe(true);
    expect(xorChecksum("$SC 16 V :1A")).toBe(Number.parseInt(f.slice(-3, -1), 16));
  });

  it("parses replies with and without sequence ids", () => {
    expect(parseFrame(encodeFrame("OK", ["01", "0", "01", "0200"], 7).trim())).toEqual({
      kind: "reply",
      ok: true,
      params: ["01", "0", "01", "0200"],
      seq: 7,
    });
    expect(parseFrame(encodeFrame("NK", ["6"]).trim())).toEqual({ kind: "reply", ok: false, params: ["6"] });
  });

  it("parses asynchronous notifications and skips leading noise", () => {
    expect(parseFrame(`\x00\xffgarbage${encodeFrame("AT", ["03", "03", "16", "0340"]).trim()}`)).toEqual({
      kind: "command",
      code: "AT",
      params: ["03", "03", "16", "0340"],
    });
  });

  it("accepts the legacy additive checksum", () => {
    expect(parseFrame("$FD*AE")).toEqual({ kind: "command", code: "FD", params: [] });
  });

  it.each([
    ["bad XOR checksum", "$OK 01^00"],
    ["no checksum", "$OK 01 0 01 0200"],
    ["no start of frame", "OK^12"],
    ["malformed sequence id", `$OK :Z1^${xorChecksum("$OK :Z1").toString(16).toUpperCase().padStart(2, "0")}`],
    ["truncated frame", "$OK 01 0 0"],
    ["empty code", `$^${xorChecksum("$").toString(16).toUpperCase().padStart(2, "0")}`],
  ])("rejects %s", (_what, line) => {
    expect(() => parseFrame(line)).toThrow(RapiFrameError);
  });
});

describe("RAPI states", () => {
  it("maps pilot states and disabled to F", () => {
    expect(pilotOf(0x01, 0x01)).toBe("A");
    expect(pilotOf(0x03, 0x03)).toBe("C");
    expect(pilotOf(0xfe, 0x02)).toBe("B");
    expect(pilotOf(0xff, 0x02)).toBe("F");
    expect(pilotOf(0x06, 0x09)).toBe("F");
  });

  it("maps fault states and post codes", () => {
    expect(faultOfState(0x06)?.code).toBe("GroundFault");
    expect(faultOfState(0x07)?.code).toBe("NoGround");
    expect(faultOfState(0x08)?.code).toBe("StuckRelay");
    expect(faultOfState(0x05)?.code).toBe("DiodeFault");
    expect(faultOfState(0x09)?.code).toBe("GfiSelfTestFailed");
    expect(faultOfState(0x0a)?.code).toBe("OverTemperature");
    expect(faultOfState(0x0b)?.code).toBe("OverCurrent");
    expect(faultOfState(0x0e)?.code).toBe("RelayClosureFault");
    expect(faultOfState(0x03)).toBeUndefined();
    expect(faultOfPostCode(0x08)?.code).toBe("StuckRelay");
    expect(faultOfPostCode(0x00)).toBeUndefined();
  });

  it("parses $GS and $AT layouts and rejects malformed ones", () => {
    expect(parseStatus(["03", "120", "03", "0340"], "GS")).toEqual({ evseState: 3, pilotState: 3, vflags: 0x340 });
    expect(parseStatus(["03", "03", "16", "0340"], "AT")).toEqual({ evseState: 3, pilotState: 3, vflags: 0x340 });
    expect(parseStatus(["03", "03"], "AT")).toBeUndefined();
    expect(parseStatus(["zz", "03", "16", "0340"], "AT")).toBeUndefined();
    expect(parseStatus(["0c", "03", "16", "0340"], "AT")).toBeUndefined();
  });
});
