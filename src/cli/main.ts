import { Command, CommanderError, Option } from "commander";
import { registerAuth } from "./auth.js";
import { registerDaemonCommands } from "./daemon.js";
import { registerDoctor } from "./doctor.js";
import { EXIT } from "./errors.js";
import { registerIntervals } from "./intervals.js";
import { registerSessions } from "./sessions.js";
import { registerStatus } from "./status.js";
import { registerWatch } from "./watch.js";

/**
 * `evsed`: the command line. Exit codes: 0 ok, 1 runtime failure, 2 usage or configuration error.
 * Each command lives in its own file and registers itself here.
 */
export function buildProgram(): { program: Command; finished: Promise<number>; daemon: { running: boolean } } {
  let settle: (code: number) => void = () => {};
  const daemon = { running: false };
  const finished = new Promise<number>((resolve) => {
    settle = resolve;
  });
  const program = new Command("evsed")
    .description("EV charger and home ESCI controller: pilot, contactor, EUMD metering, authorization, MQTT uplink")
    .option("-c, --config <file>", "config file (YAML or JSON); default $EVSED_CONFIG or ./evsed.yaml")
    .option("--log-level <level>", "fatal|error|warn|info|debug|trace|silent")
    .addOption(new Option("--log-format <format>", "pretty for a terminal, json for journald and tools").choices(["pretty", "json"]))
    .showHelpAfterError()
    .exitOverride();
  registerDaemonCommands(program, (code) => {
    daemon.running = true;
    void code.then(settle);
  });
  registerStatus(program);
  registerSessions(program);
  registerIntervals(program);
  registerWatch(program);
  registerDoctor(program);
  registerAuth(program);
  return { program, finished, daemon };
}

async function main(argv: string[]): Promise<void> {
  const { program, finished, daemon } = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode === 0 ? EXIT.ok : EXIT.usage;
      return;
    }
    throw err;
  }
  // A daemon leaves driver handles behind by design; its exit code is the one it settled on.
  if (daemon.running) process.exit(await finished);
}

await main(process.argv);
