import type { Db } from "./db.js";

/** Program parameters the utility gave for a PEV at its first binding (P1 scenario 3.1). */
export interface ProgramParams {
  readonly program: string;
  /** Who pays: the premise customer (L2-A) or the PEV owner (L2-B). */
  readonly payer: "premise" | "pevOwner";
  /** The account billed: the premise's or the PEV owner's. */
  readonly account: string;
  /** EUMD interval length for this program, s; null: keep the station's. */
  readonly intervalS: number | null;
  readonly guestCharging: boolean;
  readonly roaming: boolean;
}

/** How the open session is attributed: who pays, under which program, and how it was authorized. */
export interface SessionAttribution {
  readonly sessionId: string;
  readonly pevId: string | null;
  /**
   * bound: program parameters apply; unbound: premise default rate (timeout, rejection, revocation);
   * pending: still asking; none: no binding for this session (no PEV link, no premise, disabled).
   */
  readonly binding: "none" | "pending" | "bound" | "unbound";
  readonly bindingReason: string | null;
  readonly account: string | null;
  readonly program: string | null;
  readonly payer: "premise" | "pevOwner" | null;
  readonly offline: boolean;
  readonly authorizedVia: string | null;
  /** Reconciliation of an offline session: null until the backend answered. */
  readonly reconciled: string | null;
  readonly limits: string | null;
}

interface AttributionRow {
  readonly session_id: string;
  readonly pev_id: string | null;
  readonly binding: SessionAttribution["binding"];
  readonly binding_reason: string | null;
  readonly account: string | null;
  readonly program: string | null;
  readonly payer: SessionAttribution["payer"];
  readonly offline: number;
  readonly authorized_via: string | null;
  readonly reconciled: string | null;
  readonly limits: string | null;
}

/**
 * Stored PEV bindings (re-binding, requirement 28) and the per-session attribution row (binding,
 * account, program, offline authorization) the session and interval records read. Tables of migration 4.
 */
export class BindingRepo {
  private readonly s;

  constructor(db: Db) {
    this.s = {
      get: db.prepare("SELECT params FROM pev_bindings WHERE pev_id = ?"),
      put: db.prepare(
        "INSERT INTO pev_bindings (pev_id, params, bound_at) VALUES (?, ?, ?) ON CONFLICT(pev_id) DO UPDATE SET params = excluded.params, bound_at = excluded.bound_at",
      ),
      drop: db.prepare("DELETE FROM pev_bindings WHERE pev_id = ?"),
      attr: db.prepare("SELECT * FROM session_attribution WHERE session_id = ?"),
      ensure: db.prepare("INSERT OR IGNORE INTO session_attribution (session_id, binding) VALUES (?, 'none')"),
      setBinding: db.prepare(
        "UPDATE session_attribution SET pev_id = ?, binding = ?, binding_reason = ?, account = ?, program = ?, payer = ? WHERE session_id = ?",
      ),
      setAuth: db.prepare("UPDATE session_attribution SET offline = ?, authorized_via = ?, limits = ? WHERE session_id = ?"),
      setReconciled: db.prepare("UPDATE session_attribution SET reconciled = ? WHERE session_id = ?"),
    };
  }

  params(pevId: string): ProgramParams | null {
    const row = this.s.get.get(pevId) as { params: string } | undefined;
    return row ? (JSON.parse(row.params) as ProgramParams) : null;
  }

  store(pevId: string, params: ProgramParams, boundAt: string): void {
    this.s.put.run(pevId, JSON.stringify(params), boundAt);
  }

  forget(pevId: string): void {
    this.s.drop.run(pevId);
  }

  attribution(sessionId: string): SessionAttribution | null {
    const r = this.s.attr.get(sessionId) as AttributionRow | undefined;
    if (!r) return null;
    return {
      sessionId: r.session_id,
      pevId: r.pev_id,
      binding: r.binding,
      bindingReason: r.binding_reason,
      account: r.account,
      program: r.program,
      payer: r.payer,
      offline: r.offline === 1,
      authorizedVia: r.authorized_via,
      reconciled: r.reconciled,
      limits: r.limits,
    };
  }

  setBinding(
    sessionId: string,
    b: Pick<SessionAttribution, "pevId" | "binding" | "bindingReason" | "account" | "program" | "payer">,
  ): void {
    this.s.ensure.run(sessionId);
    this.s.setBinding.run(b.pevId, b.binding, b.bindingReason, b.account, b.program, b.payer, sessionId);
  }

  setAuthorization(sessionId: string, offline: boolean, via: string, limits: string | null): void {
    this.s.ensure.run(sessionId);
    this.s.setAuth.run(offline ? 1 : 0, via, limits, sessionId);
  }

  setReconciled(sessionId: string, outcome: string): void {
    this.s.ensure.run(sessionId);
    this.s.setReconciled.run(outcome, sessionId);
  }
}
