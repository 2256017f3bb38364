import { resolve } from "node:path";
import type { Command } from "commander";
import { ScaledClock } from "../../drivers/clock/scaled.js";
import { syncProbe } from "../../drivers/clock/sync-probe.js";
import { SystemClock } from "../../drivers/clock/system.js";
import { DEMO_SCENARIO, loadScenario, type Scenario, ScenarioRunner, simWallOrigin } from "../../drivers/sim/index.js";
import type { Clock } from "../../drivers/types.js";
import { startEmbeddedBroker } from "../app/broker.js";
import { defaultWorldFile } from "../app/drivers.js";
import { startSimRemote } from "../app/sim-mqtt.js";
import { Station } from "../app/station.js";
import { type CommandContext, type GlobalOptions, loadContext } from "./context.js";
import { EXIT, reportError, UsageError } from "./errors.js";
import { StatusLine } from "./status-line.js";

export interface DaemonOptions {
  /** Use the sim board unless `--board` says otherwise, the demo scenario, the embedded broker. */
  readonly simMode: boolean;
  readonly board?: string;
  readonly speed?: string;
  readonly scenario?: string;
  readonly statusLine?: boolean;
}

function clockFor(ctx: CommandContext, speed: number): Clock {
  const simulated = Object.values(ctx.board.drivers).some((d) => d?.type === "sim");
  if (!simulated) {
    if (speed !== 1) throw new UsageError("--speed works only on a board with simulated drivers");
    return new SystemClock(syncProbe(ctx.config.clock.sync));
  }
  // Simulated time never runs backwards across restarts: continue from where the world left off.
  const saved = simWallOrigin(defaultWorldFile(ctx.config, ctx.baseDir));
  return new ScaledClock(speed, Math.max(Date.now(), saved ?? 0));
}

function scenarioFor(ctx: CommandContext, opts: DaemonOptions): { scenario: Scenario; source: string } | null {
  const file = opts.scenario ?? (ctx.config.sim.scenario ? resolve(ctx.baseDir, ctx.config.sim.scenario) : undefined);
  if (file) return { scenario: loadScenario(file), source: file };
  return opts.simMode ? { scenario: DEMO_SCENARIO, source: "built-in demo" } : null;
}

/**
 * A scenario's cards are the simulated installer's test cards: accepted unless the configuration
 * lists test cards of its own or vends freely.
 */
function withScenarioCards(ctx: CommandContext, scenario: Scenario): CommandContext["config"] {
  const auth = ctx.config.authorization;
  if (auth.freeVend || auth.testTokens.length > 0) return ctx.config;
  const cards = [...new Set(scenario.steps.flatMap((s) => ("do" in s && s.do === "token" && typeof s.id === "string" ? [s.id] : [])))];
  if (cards.length === 0) return ctx.config;
  ctx.log.info({ cards: cards.length }, "simulator: the scenario's cards are accepted as test cards");
  return { ...ctx.config, authorization: { ...auth, testTokens: cards } };
}

/** What the demo bills with when nothing configures a tariff: off-peak and a 16–21 h on-peak, US cents per kWh. */
const DEMO_TARIFF = {
  id: "demo-tou",
  currency: "USD",
  timeZone: "UTC",
  basePeriod: "offPeak",
  basePrice: 12,
  periods: [{ name: "onPeak", price: 35, from: "16:00", to: "21:00" }],
} as const;

/**
 * `evsed sim` with neither a config file nor a tariff in the environment rates the demo's intervals with
 * `DEMO_TARIFF`, so that a developer sees costs in the records and in `evsed sessions`.
 */
function withDemoTariff(ctx: CommandContext, config: CommandContext["config"], env: NodeJS.ProcessEnv): CommandContext["config"] {
  if (ctx.configFile !== null || Object.keys(env).some((k) => k.startsWith("EVSED_TARIFF"))) return config;
  ctx.log.info({ tariff: DEMO_TARIFF.id }, "simulator: no config file, so the demo's time-of-use tariff rates the intervals");
  return { ...config, tariff: { ...DEMO_TARIFF, periods: DEMO_TARIFF.periods.map((p) => ({ ...p })) } };
}

/**
 * `evsed run` and `evsed sim`: start the station, keep it running, and on SIGINT/SIGTERM open the
 * contactor, flush and exit 0. Configuration errors exit 2 before anything is written. The `reboot`
 * command restarts the station in-process with the configuration re-read from disk.
 */
export async function runDaemon(global: GlobalOptions, opts: DaemonOptions): Promise<number> {
  let stopSignal: string | null = null;
  let wake: () => void = () => {};
  const onSignal = (signal: string) => {
    stopSignal = signal;
    wake();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    for (;;) {
      let restart = false;
      const running = await startOnce(global, opts, () => {
        restart = true;
        wake();
      });
      await new Promise<void>((resolve) => {
        wake = resolve;
        if (stopSignal) resolve();
      });
      running.log.info({ signal: stopSignal, restart }, stopSignal ? "stopping" : "restarting");
      await running.stop();
      if (stopSignal || !restart) return EXIT.ok;
    }
  } catch (err) {
    return reportError(err);
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

interface Running {
  readonly log: CommandContext["log"];
  stop(): Promise<void>;
}

/** Load the configuration and start everything once; on failure, release what was started. */
async function startOnce(global: GlobalOptions, opts: DaemonOptions, requestRestart: () => void): Promise<Running> {
  const board = opts.board ?? (opts.simMode ? "boards/sim.json" : undefined);
  const ctx = loadContext({ ...global, ...(board ? { board } : {}) });
  const speed = opts.speed !== undefined ? Number(opts.speed) : ctx.config.sim.speed;
  if (!(speed > 0 && speed <= 1000)) throw new UsageError(`--speed must be a number in (0, 1000], got ${opts.speed}`);
  const clock = clockFor(ctx, speed);
  const simulated = Object.values(ctx.board.drivers).some((d) => d?.type === "sim");
  const scenario = simulated ? scenarioFor(ctx, opts) : null;
  const { log } = ctx;
  const withCards = scenario ? withScenarioCards(ctx, scenario.scenario) : ctx.config;
  const config = opts.simMode && scenario?.scenario === DEMO_SCENARIO ? withDemoTariff(ctx, withCards, process.env) : withCards;
  const cleanup: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const c of cleanup.reverse()) await c().catch((err: unknown) => log.warn({ err }, "stop step failed"));
  };
  try {
    // `evsed sim` without a configured broker brings its own, on loopback.
    let brokerUrl: string | undefined;
    if (opts.simMode && !config.mqtt.url) {
      const broker = await startEmbeddedBroker({ ...config.mqtt.embeddedBroker, log: log.child({ component: "broker" }) });
      cleanup.push(() => broker.stop());
      brokerUrl = broker.url;
    }
    const station = new Station({
      // aedes speaks MQTT 3.1.1 only: no point trying 5 against the embedded broker.
      config: brokerUrl ? { ...config, mqtt: { ...config.mqtt, protocolVersion: 4 } } : config,
      board: ctx.board,
      clock,
      log,
      baseDir: ctx.baseDir,
      uplink: { requestRestart, configFile: ctx.configFile, ...(brokerUrl ? { brokerUrl } : {}) },
    });
    cleanup.push(() => station.stop());
    await station.start();
    const sim = station.drivers.sim;
    const url = brokerUrl ?? config.mqtt.url;
    if (sim && url) {
      const remote = await startSimRemote({
        url,
        prefix: config.mqtt.prefix,
        stationId: config.stationId,
        world: sim.world,
        log: log.child({ component: "sim" }),
      });
      cleanup.push(() => remote.stop());
    }
    const runner =
      scenario && sim ? new ScenarioRunner({ world: sim.world, clock, scenario: scenario.scenario, source: scenario.source }) : null;
    runner?.start();
    cleanup.push(async () => runner?.stop());
    const line = opts.statusLine && process.stdout.isTTY ? new StatusLine(station, clock, process.stdout) : null;
    line?.start();
    cleanup.push(async () => line?.stop());
    log.info({ speed, scenario: scenario?.source ?? null, broker: url ?? null }, "running; Ctrl-C to stop");
    return { log, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

export function registerDaemonCommands(program: Command, run: (code: Promise<number>) => void): void {
  program
    .command("run")
    .description("run the station on the configured board")
    .option("-b, --board <file>", "board file (overrides the config)")
    .action((opts: { board?: string }, cmd: Command) => {
      run(runDaemon(cmd.optsWithGlobals(), { simMode: false, ...opts }));
    });
  program
    .command("sim")
    .description("run a simulated charger: sim board, demo scenario, live status (what `npm start` runs)")
    .option("-b, --board <file>", "board file", "boards/sim.json")
    .option("-s, --speed <n>", "simulated time runs N times faster")
    .option("--scenario <file>", "scenario file (YAML or JSON) instead of the built-in demo")
    .option("--no-status-line", "no live status line")
    .action((opts: { board?: string; speed?: string; scenario?: string; statusLine?: boolean }, cmd: Command) => {
      run(runDaemon(cmd.optsWithGlobals(), { simMode: true, ...opts }));
    });
}
