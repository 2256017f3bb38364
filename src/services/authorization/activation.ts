import type { MetaRepo } from "../../store/meta-repo.js";
import type { Activation } from "../uplink/status.js";

const KEY = "authorization.activation";

/**
 * The station's lifecycle (seed 004 §3.3): `pending` after commissioning — only test cards and free vend
 * charge — until the operator's `activate` command; then `active`, kept across restarts.
 */
export class ActivationState {
  constructor(
    private readonly meta: MetaRepo,
    private readonly initial: "pending" | "active",
  ) {}

  get(): Activation {
    const v = this.meta.get(KEY);
    return v === "active" || v === "pending" || v === "suspended" ? v : this.initial;
  }

  isActive(): boolean {
    return this.get() === "active";
  }

  set(next: Activation): Activation {
    const before = this.get();
    this.meta.set(KEY, next);
    return before;
  }
}
