import type { MeterMap, Quantity } from "./map-schema.js";
import { registerCount } from "./maps.js";

/** One read request and where each quantity sits in its reply. */
export interface PlannedRead {
  readonly functionCode: 3 | 4;
  readonly address: number;
  readonly count: number;
  readonly items: readonly { readonly quantity: Quantity; readonly offset: number; readonly count: number }[];
}

/**
 * Group a map's registers into as few requests as the meter allows: registers with the same function
 * code are joined while the request stays within `maxRegistersPerRead` and the unused registers
 * between two blocks are at most `maxGapRegisters`. Deterministic: same map, same plan.
 */
export function planReads(map: MeterMap): PlannedRead[] {
  const regs = (Object.entries(map.registers) as [Quantity, MeterMap["registers"][Quantity]][])
    .filter((e): e is [Quantity, NonNullable<(typeof e)[1]>] => e[1] !== undefined)
    .map(([quantity, r]) => ({ quantity, fc: r.functionCode ?? map.functionCode, address: r.address, count: registerCount(r.type) }))
    .sort((a, b) => a.fc - b.fc || a.address - b.address);
  const plans: { functionCode: 3 | 4; address: number; count: number; items: PlannedRead["items"][number][] }[] = [];
  for (const r of regs) {
    const cur = plans[plans.length - 1];
    const end = r.address + r.count;
    if (
      cur &&
      cur.functionCode === r.fc &&
      r.address - (cur.address + cur.count) <= map.maxGapRegisters &&
      end - cur.address <= map.maxRegistersPerRead
    ) {
      cur.count = Math.max(cur.count, end - cur.address);
      cur.items.push({ quantity: r.quantity, offset: r.address - cur.address, count: r.count });
    } else {
      plans.push({ functionCode: r.fc, address: r.address, count: r.count, items: [{ quantity: r.quantity, offset: 0, count: r.count }] });
    }
  }
  return plans;
}
