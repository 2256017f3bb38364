import { type Static, Type } from "@sinclair/typebox";
import type { Clock } from "../../../drivers/types.js";
import type { Logger } from "../../app/log.js";
import { InputError, Validator } from "../../config/validate.js";
import {
  type AuthDecision,
  type AuthPolicies,
  decideLocal,
  decideOnline,
  ID_STATUSES,
  type IdStatus,
  type OnlineAnswer,
} from "../../core/authorization.js";
import { normalizeIdTag } from "../../core/authorization-list.js";
import { maskId } from "../../core/mask.js";
import type { AuthRepo } from "../../store/auth-repo.js";
import type { RequestClient } from "../uplink/requests.js";
import type { IdKeys } from "./keys.js";

/** The backend's answer on `res/authorize` (docs/schemas/response-authorize.schema.json). */
export const AuthorizeAnswerSchema = Type.Object({
  reqId: Type.String({ minLength: 1 }),
  idTagInfo: Type.Object(
    {
      status: Type.Union(ID_STATUSES.map((s) => Type.Literal(s))),
      expiryDate: Type.Optional(Type.String({ format: "date-time" })),
      parentIdTag: Type.Optional(Type.String({ minLength: 1, maxLength: 20 })),
    },
    { additionalProperties: false },
  ),
  maxEnergyWh: Type.Optional(Type.Integer({ minimum: 0, description: "Prepaid: stop the session after this much energy, Wh." })),
  maxCost: Type.Optional(
    Type.Number({ minimum: 0, description: "Prepaid: stop once the session costs this much (tariff currency, major units)." }),
  ),
});
type AuthorizeAnswer = Static<typeof AuthorizeAnswerSchema>;

export interface AuthorizerDeps {
  readonly repo: AuthRepo;
  readonly keys: IdKeys;
  readonly clock: Clock;
  readonly log: Logger;
  readonly policies: AuthPolicies;
  readonly testTokens: readonly string[];
  readonly timeoutMs: number;
  readonly cache: { readonly enabled: boolean; readonly maxEntries: number; readonly lifetimeS: number };
  activated(): boolean;
  /** The uplink's request client; null while there is no uplink. */
  requests(): RequestClient | null;
}

/**
 * Decides whether an identifier may charge: the pure rules of core/authorization.ts over the local list,
 * the cache and `req/authorize`. An unreachable or silent backend counts as offline. Accepted online
 * answers go into the cache (with the answer's expiry, else `cache.lifetimeS`).
 */
export class Authorizer {
  private readonly validator = new Validator(AuthorizeAnswerSchema);
  private readonly tests: Set<string>;

  constructor(private readonly deps: AuthorizerDeps) {
    this.tests = new Set(deps.testTokens.map(normalizeIdTag));
  }

  isTestCard(idTag: string): boolean {
    return this.tests.has(normalizeIdTag(idTag));
  }

  /** Keyed hash of an identifier, hex (to compare group membership without keeping tags). */
  keyHex(idTag: string): string {
    return this.deps.keys.hex(idTag);
  }

  /** The group (parent id hash) of an identifier per the list or the cache; null: none or unknown. */
  parentOf(idTag: string): string | null {
    const key = this.deps.keys.key(idTag);
    return this.deps.repo.lookup(key)?.parent ?? this.deps.repo.cacheGet(key)?.info.parent ?? null;
  }

  async authorize(idTag: string): Promise<AuthDecision> {
    const { repo, keys, clock, policies } = this.deps;
    const key = keys.key(idTag);
    const base = {
      testCard: this.isTestCard(idTag),
      activated: this.deps.activated(),
      list: repo.lookup(key),
      cache: this.deps.cache.enabled ? (repo.cacheGet(key)?.info ?? null) : null,
      policies,
    };
    const first = decideLocal({ ...base, online: this.deps.requests() !== null, nowMs: clock.now() });
    if (first.kind !== "askOnline") return first;
    const answer = await this.ask(idTag);
    if (answer) return decideOnline(answer, clock.now());
    return decideLocal({ ...base, online: false, nowMs: clock.now() });
  }

  /** Ask the backend; null when offline, silent past the timeout, or the answer is malformed. */
  async ask(idTag: string): Promise<OnlineAnswer | null> {
    const requests = this.deps.requests();
    if (!requests) return null;
    let raw: Record<string, unknown>;
    try {
      raw = await requests.request("authorize", { idTag: normalizeIdTag(idTag) }, this.deps.timeoutMs);
    } catch (err) {
      this.deps.log.info({ tokenId: maskId(idTag), reason: err instanceof Error ? err.message : String(err) }, "authorize: no answer");
      return null;
    }
    let a: AuthorizeAnswer;
    try {
      a = this.validator.check(raw, "res/authorize");
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      this.deps.log.warn({ tokenId: maskId(idTag), problem: err.message }, "authorize: malformed answer ignored");
      return null;
    }
    const answer = this.toAnswer(a);
    this.remember(idTag, answer);
    return answer;
  }

  private toAnswer(a: AuthorizeAnswer): OnlineAnswer {
    const info = a.idTagInfo;
    return {
      info: {
        status: info.status as IdStatus,
        expiryMs: info.expiryDate ? Date.parse(info.expiryDate) : null,
        parent: info.parentIdTag ? this.deps.keys.hex(info.parentIdTag) : null,
      },
      limits: {
        ...(a.maxEnergyWh === undefined ? {} : { maxEnergyWh: a.maxEnergyWh }),
        ...(a.maxCost === undefined ? {} : { maxCost: a.maxCost }),
      },
    };
  }

  private remember(idTag: string, answer: OnlineAnswer): void {
    const { cache, clock, repo, keys } = this.deps;
    if (!cache.enabled) return;
    const now = clock.now();
    const expiryMs = answer.info.expiryMs ?? now + cache.lifetimeS * 1000;
    repo.cachePut(keys.key(idTag), { ...answer.info, expiryMs }, answer.limits, now, cache.maxEntries);
  }
}
