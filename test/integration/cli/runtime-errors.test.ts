import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { packageRoot } from "../../../src/app/paths.js";
import { runCli, tempDir } from "../../helpers/cli.js";

describe("runtime failures", () => {
  it("exits 1 naming the device and the fix when the pilot controller's port is missing", async () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, "evsed.yaml"),
      "stationId: x1\ndevices:\n  pilotPort: /dev/evsed-test-missing\n  meterPort: /dev/evsed-test-missing-meter\n  tokenReaderPort: /dev/evsed-test-missing-card\n",
    );
    const r = await runCli(["run", "--board", join(packageRoot(), "boards", "rpi-openevse-rapi.json")], { cwd: dir });
    expect(r.code).toBe(1);
    const last = r.stderr.trim().split("\n").pop() ?? "";
    expect(last).toMatch(/^evsed: \/dev\/evsed-test-missing: cannot open serial device/);
    expect(last).toContain("devices.*");
    expect(r.stderr).not.toMatch(/^\s+at /m);
  });
});
