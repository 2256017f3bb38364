import type { SimAction } from "./actions.js";
import type { WorldState } from "./world-state.js";

/** News an action produces besides its change of state. */
export type ActionNews = { readonly kind: "token"; readonly id: string } | { readonly kind: "plugged" } | { readonly kind: "unplugged" };

/**
 * Apply one action to the persisted world state (in place) and return its news.
 * `contactorClosed` is the physical contact position, which `weld` freezes when it is closed.
 * Plug-in resets the vehicle's energy count and pause; unplug resets pause.
 */
export function applyAction(s: WorldState, action: SimAction, contactorClosed: boolean): ActionNews[] {
  switch (action.action) {
    case "plug":
      if (s.plugged) return [];
      s.plugged = true;
      s.plugIns += 1;
      s.paused = false;
      s.vehicleEnergyWh = 0;
      return [{ kind: "plugged" }];
    case "unplug":
      if (!s.plugged) return [];
      s.plugged = false;
      s.paused = false;
      return [{ kind: "unplugged" }];
    case "token":
      return [{ kind: "token", id: action.id.toUpperCase() }];
    case "pause":
    case "resume":
      s.paused = action.action === "pause";
      return [];
    case "draw":
      s.maxCurrentA = action.amps;
      return [];
    case "soc":
      s.socPct = action.pct;
      return [];
    case "weld":
      s.weld = action.on;
      s.weldedClosed = action.on && contactorClosed;
      return [];
    case "meter":
      s.importWh = action.importWh;
      return [];
    default:
      s[action.action] = action.on;
      return [];
  }
}
