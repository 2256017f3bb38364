import type { Uplink } from "../../../../src/services/uplink/index.js";
import { CommandRegistry } from "../../../../src/services/uplink/index.js";
import { type RequestClient, RequestFailed } from "../../../../src/services/uplink/requests.js";
import type { TestStation } from "../../../helpers/station.js";

type Responder = (name: string, payload: Record<string, unknown>) => Record<string, unknown> | "silent" | "offline";

/**
 * A scripted utility behind a RequestClient: `respond` answers each request at once, stays silent
 * (the request times out on the station's clock), or is offline. Every request is kept in `asked`.
 */
export class FakeBackend implements RequestClient {
  readonly asked: { name: string; payload: Record<string, unknown> }[] = [];
  respond: Responder = () => "silent";

  constructor(private readonly t: TestStation) {}

  request(name: string, payload: Record<string, unknown>, timeoutMs: number): Promise<Record<string, unknown>> {
    this.asked.push({ name, payload });
    const r = this.respond(name, payload);
    if (r === "offline") return Promise.reject(new RequestFailed(`req/${name}: offline`, "offline"));
    if (r === "silent") {
      return new Promise((_resolve, reject) => {
        this.t.clock.setTimer(timeoutMs, () => reject(new RequestFailed(`req/${name}: timeout`, "timeout")));
      });
    }
    return Promise.resolve({ reqId: "r", ...r });
  }
}

/** Connect `backend` to the station as its uplink (commands registered as the station does). */
export function attachBackend(t: TestStation, backend: FakeBackend): CommandRegistry {
  const commands = new CommandRegistry();
  const uplink: Uplink = { notify: () => {}, commands, requests: backend, stop: async () => {} };
  t.station.uplink = uplink;
  t.station.auth.setRequests(backend);
  t.station.auth.registerCommands(commands);
  return commands;
}
