import { createInterface } from "node:readline";
import { RapiSimulator } from "./simulator.js";

/**
 * Standalone RAPI controller simulator: `node dist/drivers/rapi/simulator-cli.js /dev/pts/N`.
 * Reads actions from stdin, one per line: plug, charge, pause, unplug, gfci, clear, reboot, quit.
 */
async function main(): Promise<void> {
  const path = process.argv[2];
  if (!path) {
    process.stderr.write("usage: simulator-cli <serial device>\n");
    process.exit(2);
  }
  const sim = new RapiSimulator({ path });
  await sim.start();
  sim.commands.add((c) => process.stdout.write(`< ${c}\n`));
  const actions: Record<string, () => void> = {
    plug: () => sim.plug(),
    charge: () => sim.charge(),
    pause: () => sim.pause(),
    unplug: () => sim.unplug(),
    gfci: () => sim.gfciTrip(),
    clear: () => sim.clearFault(),
    reboot: () => sim.reboot(),
  };
  for await (const line of createInterface({ input: process.stdin })) {
    const word = line.trim();
    if (word === "quit") break;
    const act = actions[word];
    if (act) act();
    else if (word) process.stdout.write(`unknown action '${word}'; try ${Object.keys(actions).join(", ")}, quit\n`);
  }
  await sim.stop();
}

await main();
