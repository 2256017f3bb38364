import type { Static } from "@sinclair/typebox";
import type { Clock } from "../../../drivers/types.js";
import type { Bus } from "../../app/bus.js";
import type { StationControl } from "../../app/control.js";
import type { Logger } from "../../app/log.js";
import type { AuthorizationSection } from "../../config/sections/authorization.js";
import { AuthRepo } from "../../store/auth-repo.js";
import type { BindingRepo } from "../../store/binding-repo.js";
import type { Db } from "../../store/db.js";
import type { MetaRepo } from "../../store/meta-repo.js";
import type { EventRecorder } from "../events.js";
import type { CommandRegistry } from "../uplink/commands/registry.js";
import type { RequestClient } from "../uplink/requests.js";
import { ActivationState } from "./activation.js";
import { Authorizer } from "./authorizer.js";
import { registerAuthorizationCommands } from "./commands.js";
import { IdKeys } from "./keys.js";
import { LocalList } from "./local-list.js";
import { type AuthorizationDeps, AuthorizationService, policiesOf } from "./service.js";

export { ActivationState } from "./activation.js";
export { IdKeys } from "./keys.js";
export { LocalList, LocalListError } from "./local-list.js";
export { AuthorizationService } from "./service.js";

/** Everything authorization is made of, built over one database. */
export interface Authorization {
  readonly service: AuthorizationService;
  readonly list: LocalList;
  readonly repo: AuthRepo;
  readonly activation: ActivationState;
  readonly authorizer: Authorizer;
  /** Give the backend's request client (the uplink starts after the services). */
  setRequests(client: RequestClient | null): void;
  registerCommands(registry: CommandRegistry): void;
  /** A StationControl for the uplink whose remote `start` goes through authorization. */
  remoteControl(control: StationControl): StationControl;
}

export function createAuthorization(deps: {
  readonly config: Static<typeof AuthorizationSection>;
  readonly db: Db;
  readonly meta: MetaRepo;
  readonly bus: Bus;
  readonly control: StationControl;
  readonly events: EventRecorder;
  readonly log: Logger;
  readonly clock: Clock;
  readonly attribution: BindingRepo;
  readonly session: AuthorizationDeps["session"];
  readonly flagSession: (flag: string) => void;
  readonly priceE4At: (ms: number) => number | null;
  /** How the store takes a bulk write (a list install); see `Checkpointer.inline`. */
  readonly bulkWrite?: <T>(fn: () => Promise<T>) => Promise<T>;
}): Authorization {
  const c = deps.config;
  const repo = new AuthRepo(deps.db);
  const keys = new IdKeys(deps.meta);
  const activation = new ActivationState(deps.meta, c.activation);
  let requests: RequestClient | null = null;
  const authorizer = new Authorizer({
    repo,
    keys,
    clock: deps.clock,
    log: deps.log,
    policies: policiesOf(c),
    testTokens: c.testTokens,
    timeoutMs: c.authorizeTimeoutS * 1000,
    cache: c.cache,
    activated: () => activation.isActive(),
    requests: () => requests,
  });
  const list = new LocalList({ db: deps.db, repo, keys, ...(deps.bulkWrite ? { bulkWrite: deps.bulkWrite } : {}) });
  void list.resume();
  const service = new AuthorizationService({ ...deps, authorizer, activation });
  return {
    service,
    list,
    repo,
    activation,
    authorizer,
    setRequests: (client) => {
      requests = client;
    },
    registerCommands: (registry) => registerAuthorizationCommands(registry, { list, repo, activation, events: deps.events }),
    remoteControl: (control) => ({
      snapshot: () => control.snapshot(),
      authorize: (tokenId, source) => (source === "remote" ? service.remoteStart(tokenId) : control.authorize(tokenId, source)),
      stopCharging: (r) => control.stopCharging(r),
      setLimit: (s, a) => control.setLimit(s, a),
      setAvailability: (a) => control.setAvailability(a),
      clearFaults: () => control.clearFaults(),
    }),
  };
}
