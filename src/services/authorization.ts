import type { Static } from "@sinclair/typebox";
import type { Bus, ChargeSnapshot } from "../app/bus.js";
import type { StationControl } from "../app/control.js";
import type { Logger } from "../app/log.js";
import type { AuthorizationSection } from "../config/sections/authorization.js";
import { maskId } from "../core/mask.js";
import type { EventRecorder } from "./events.js";

/**
 * Who may charge, from configuration: free vend, or a token on the test-card list. A token shown
 * again while its own session charges stops it (as at any public charger). Issue 6 replaces the list
 * with the local authorization list, the cache and the backend.
 */
export class AuthorizationService {
  private last: ChargeSnapshot | null = null;
  private readonly unsubscribe: (() => void)[] = [];

  constructor(
    private readonly deps: {
      readonly config: Static<typeof AuthorizationSection>;
      readonly bus: Bus;
      readonly control: StationControl;
      readonly events: EventRecorder;
      readonly log: Logger;
    },
  ) {}

  start(): void {
    this.unsubscribe.push(this.deps.bus.on("token", (t) => this.onToken(t.id)));
    this.unsubscribe.push(
      this.deps.bus.on("charge", (s) => {
        const pluggedNow = s.vehiclePresent && !this.last?.vehiclePresent;
        this.last = s;
        if (this.deps.config.freeVend && pluggedNow && !s.authorized) this.deps.control.authorize(null, "free");
      }),
    );
  }

  stop(): void {
    for (const u of this.unsubscribe.splice(0)) u();
  }

  private onToken(id: string): void {
    const s = this.deps.control.snapshot();
    if (s.authorized && s.tokenId === id) {
      this.deps.log.info({ tokenId: maskId(id) }, "token shown again: stopping its session");
      this.deps.control.stopCharging("Local");
      return;
    }
    const known = this.deps.config.testTokens.some((t) => t.toUpperCase() === id.toUpperCase());
    if (!known) {
      this.deps.log.warn({ tokenId: maskId(id) }, "token not authorized");
      this.deps.events.record("authorizationRejected", { tokenId: maskId(id), reason: "unknown" });
      return;
    }
    if (s.authorized) return;
    this.deps.log.info({ tokenId: maskId(id) }, "token authorized");
    this.deps.control.authorize(id, "rfid");
  }
}
