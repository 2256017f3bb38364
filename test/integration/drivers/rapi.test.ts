import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SystemClock } from "../../../drivers/clock/system.js";
import type { RapiController } from "../../../drivers/rapi/controller.js";
import type { RapiContactor, RapiPilot } from "../../../drivers/rapi/faces.js";
import { createRapiDrivers } from "../../../drivers/rapi/index.js";
import { RapiSimulator } from "../../../drivers/rapi/simulator.js";
import type { PilotEvent } from "../../../drivers/types.js";
import { openPtyPair, type PtyPair, ptySkipReason, waitFor } from "../../helpers/pty.js";

const skip = ptySkipReason();

describe.skipIf(skip !== undefined)(`RAPI driver against a simulated controller on a pty${skip ? ` (skipped: ${skip})` : ""}`, () => {
  let pty: PtyPair;
  let sim: RapiSimulator;
  let pilot: RapiPilot;
  let contactor: RapiContactor;
  let controller: RapiController;
  const events: PilotEvent[] = [];
  const problems: string[] = [];

  const pilotEvent = (match: (e: PilotEvent) => boolean, what: string) => waitFor<PilotEvent>((l) => pilot.on(l), match, what);
  const command = (text: string) =>
    waitFor<string>(
      (l) => sim.commands.add(l),
      (c) => c === text,
      `command ${text}`,
    );
  const state = (s: string) => pilotEvent((e) => e.kind === "state" && e.state === s, `pilot state ${s}`);

  beforeEach(async () => {
    pty = await openPtyPair();
    sim = new RapiSimulator({ path: pty.b });
    await sim.start();
    const spec = { type: "rapi" as const, port: "/dev/unused", heartbeatIntervalS: 1, heartbeatFallbackA: 6, replyTimeoutMs: 300 };
    ({ pilot, contactor, controller } = createRapiDrivers(spec, { clock: new SystemClock(), portPath: pty.a }));
    events.length = 0;
    problems.length = 0;
    pilot.on((e) => events.push(e));
    controller.problems.add((p) => problems.push(p));
    await Promise.all([pilot.start(), contactor.start()]);
  });

  afterEach(async () => {
    await Promise.all([pilot.stop(), contactor.stop()]);
    await sim.stop();
    await pty.close();
  });

  it("configures the heartbeat with its fallback current and reports the first state", async () => {
    expect(sim.received).toContain("SY 1 6");
    expect(sim.received).toContain("GS");
    expect(events.some((e) => e.kind === "state" && e.state === "A" && e.diodeOk)).toBe(true);
    expect(events.some((e) => e.kind === "link" && e.up)).toBe(true);
    expect(contactor.hasFeedback).toBe(true);
    expect(await controller.version()).toMatch(/^8\.2\.2\.sim 6\.0\.0$/);
  });

  it("takes a session through plug, charge, pause, unplug", async () => {
    const b = state("B");
    sim.plug();
    await b;
    const fe = command("FE");
    pilot.setOutput({ mode: "pwm", dutyPct: 26.7, currentA: 16 });
    await fe;
    expect(sim.received).toContain("SC 16 V");
    expect(sim.currentA).toBe(16);

    const closed = waitFor<boolean>(
      (l) => contactor.onFeedback(l),
      (v) => v,
      "relay closed",
    );
    const c = state("C");
    sim.charge();
    await Promise.all([c, closed]);
    contactor.set(true);
    expect(contactor.commanded).toBe(true);
    expect(contactor.feedback()).toBe(true);

    const opened = waitFor<boolean>(
      (l) => contactor.onFeedback(l),
      (v) => !v,
      "relay open",
    );
    const paused = state("B");
    sim.pause();
    await Promise.all([opened, paused]);

    const fs = command("FS");
    pilot.setOutput({ mode: "standby" });
    contactor.set(false);
    await fs;
    expect(sim.evseState).toBe(0xfe);

    const a = state("A");
    sim.unplug();
    await a;
    const fd = command("FD");
    pilot.setOutput({ mode: "off" });
    await fd;
    await state("F");
    expect(problems).toEqual([]);
  });

  it("reports a GFCI trip as a GroundFault and the relay open", async () => {
    sim.plug();
    pilot.setOutput({ mode: "pwm", dutyPct: 53.3, currentA: 32 });
    await command("FE");
    const closed = waitFor<boolean>(
      (l) => contactor.onFeedback(l),
      (v) => v,
      "relay closed",
    );
    sim.charge();
    await closed;
    const fault = pilotEvent((e) => e.kind === "fault", "fault");
    const opened = waitFor<boolean>(
      (l) => contactor.onFeedback(l),
      (v) => !v,
      "relay open",
    );
    sim.gfciTrip();
    expect(await fault).toMatchObject({ kind: "fault", code: "GroundFault" });
    await opened;
    expect(contactor.feedback()).toBe(false);
  });

  it("opening the contactor while offering current sleeps the controller at once", async () => {
    sim.plug();
    pilot.setOutput({ mode: "pwm", dutyPct: 26.7, currentA: 16 });
    await command("FE");
    sim.charge();
    contactor.set(true);
    await waitFor<boolean>(
      (l) => contactor.onFeedback(l),
      (v) => v,
      "relay closed",
    );
    const fs = command("FS");
    contactor.set(false);
    await fs;
    await waitFor<boolean>(
      (l) => contactor.onFeedback(l),
      (v) => !v,
      "relay open",
    );
  });

  it("re-applies the output after the controller reboots", async () => {
    pilot.setOutput({ mode: "pwm", dutyPct: 26.7, currentA: 20 });
    await command("FE");
    const sy = command("SY 1 6");
    const sc = command("SC 20 V");
    sim.reboot();
    await Promise.all([sy, sc]);
  });

  it("reports a failed power-on self test from $AB", async () => {
    const fault = pilotEvent((e) => e.kind === "fault" && e.code === "StuckRelay", "stuck relay fault");
    sim.reboot(0x08);
    await fault;
  });
});

describe.skipIf(skip !== undefined)("RAPI driver: bad input", () => {
  let pty: PtyPair;
  let sim: RapiSimulator;
  let pilot: RapiPilot;
  let controller: RapiController;
  const problems: string[] = [];

  const problem = (match: RegExp) =>
    waitFor<string>(
      (l) => controller.problems.add(l),
      (p) => match.test(p),
      `problem ${match}`,
    );
  const state = (s: string) =>
    waitFor<PilotEvent>(
      (l) => pilot.on(l),
      (e) => e.kind === "state" && e.state === s,
      `pilot state ${s}`,
    );

  beforeEach(async () => {
    pty = await openPtyPair();
    sim = new RapiSimulator({ path: pty.b });
    await sim.start();
    const spec = { type: "rapi" as const, port: "/dev/unused", heartbeatIntervalS: 1, heartbeatFallbackA: 0, replyTimeoutMs: 300 };
    ({ pilot, controller } = createRapiDrivers(spec, { clock: new SystemClock(), portPath: pty.a }));
    problems.length = 0;
    controller.problems.add((p) => problems.push(p));
    await pilot.start();
  });

  afterEach(async () => {
    await pilot.stop();
    await sim.stop();
    await pty.close();
  });

  it("drops an $AT with a bad checksum, reports it, and recovers from the next poll", async () => {
    const bad = problem(/checksum/);
    const b = state("B");
    sim.corruptNext(1);
    sim.plug();
    await bad;
    await b;
  });

  it("survives random bytes on the line", async () => {
    const noise = problem(/RAPI frame|noise/);
    sim.sendRaw(Buffer.from([0x00, 0xff, 0x24, 0x13, 0x37, 0x0d, 0x5e, 0x0d, 0x24, 0x41, 0x54, 0x0d]));
    await noise;
    const b = state("B");
    sim.plug();
    await b;
  });

  it("discards an overlong line", async () => {
    const p = problem(/noise/);
    sim.sendRaw(`${"x".repeat(500)}\r`);
    await p;
  });

  it("reports an unreadable $AT payload", async () => {
    const p = problem(/unreadable \$AT/);
    sim.sendRaw("$AT zz 01^00\r".replace("^00", `^${checksum("$AT zz 01")}`));
    await p;
  });

  it("reports a hung controller as link down, and link up when it answers again", async () => {
    const down = waitFor<PilotEvent>(
      (l) => pilot.on(l),
      (e) => e.kind === "link" && !e.up,
      "link down",
    );
    sim.mute(true);
    await down;
    const up = waitFor<PilotEvent>(
      (l) => pilot.on(l),
      (e) => e.kind === "link" && e.up,
      "link up",
    );
    sim.mute(false);
    await up;
  });

  it("reports an unplugged port as link down and reconnects when it returns", async () => {
    const down = waitFor<PilotEvent>(
      (l) => pilot.on(l),
      (e) => e.kind === "link" && !e.up,
      "link down",
    );
    await sim.stop();
    await pty.unplug();
    await down;
    pty = await pty.replug();
    sim = new RapiSimulator({ path: pty.b });
    await sim.start();
    const configured = waitFor<string>(
      (l) => sim.commands.add(l),
      (c) => c === "GS",
      "state poll after reconnect",
    );
    await waitFor<PilotEvent>(
      (l) => pilot.on(l),
      (e) => e.kind === "link" && e.up,
      "link up",
      20_000,
    );
    await configured;
    const b = state("B");
    sim.plug();
    await b;
  });
});

function checksum(body: string): string {
  let x = 0;
  for (const ch of body) x ^= ch.charCodeAt(0);
  return x.toString(16).toUpperCase().padStart(2, "0");
}
