import type { FaultCode, MeterReading, PevLinkEvent, PilotState, TokenEvent } from "../../drivers/types.js";
import type { ConnectorStatus, StopReason } from "../core/status.js";

/** What the charge controller publishes after every state change (the core state, flattened). */
export interface ChargeSnapshot {
  /** Wall-clock ms of the change. */
  readonly at: number;
  readonly status: ConnectorStatus;
  /** Measured pilot, or null before the first reading / while the controller is unreachable. */
  readonly pilot: PilotState | null;
  readonly offeredA: number;
  readonly dutyPct: number;
  readonly contactorClosed: boolean;
  readonly authorized: boolean;
  /** The identifier charging was authorized for (null: free vend or none). Unmasked: in-process only. */
  readonly tokenId: string | null;
  readonly authorizationSource: "rfid" | "remote" | "pev" | "free" | "recovery" | null;
  /** Why charging was stopped while the vehicle stays plugged in. */
  readonly stopReason: StopReason | null;
  readonly available: boolean;
  readonly faults: readonly FaultCode[];
  readonly vehiclePresent: boolean;
}

export interface SessionSnapshot {
  readonly id: string;
  readonly pluggedAt: string;
  readonly tokenId: string | null;
  readonly pevId: string | null;
  readonly startRegisterWh: number | null;
  readonly registerWh: number | null;
  readonly energyWh: number;
  readonly exportWh: number;
  readonly endedAt: string | null;
  readonly stopReason: string | null;
}

/** Every event on the station bus, by name. Services observe; only the controller drives hardware. */
export interface BusEvents {
  charge: ChargeSnapshot;
  meter: { readonly at: number; readonly reading: MeterReading };
  meterError: { readonly at: number; readonly error: string; readonly consecutive: number };
  token: TokenEvent;
  pev: PevLinkEvent;
  fault: { readonly code: FaultCode; readonly raised: boolean; readonly detail: string };
  session: { readonly kind: "started" | "updated" | "ended"; readonly session: SessionSnapshot };
  /** A record for the utility's `event` topic was committed (kind, detail). */
  recorded: { readonly kind: string; readonly detail: Record<string, unknown> };
}

type Listener<T> = (payload: T) => void;

/**
 * A small typed event bus. Listeners run synchronously in subscription order; one that throws is
 * reported to `onError` and does not stop the others (a broken observer must never block safety).
 */
export class Bus {
  private readonly listeners = new Map<keyof BusEvents, Listener<never>[]>();

  constructor(private readonly onError: (event: string, err: unknown) => void = () => {}) {}

  on<K extends keyof BusEvents>(event: K, fn: Listener<BusEvents[K]>): () => void {
    const list = this.listeners.get(event) ?? [];
    list.push(fn as Listener<never>);
    this.listeners.set(event, list);
    return () => {
      const l = this.listeners.get(event);
      if (l)
        this.listeners.set(
          event,
          l.filter((x) => x !== fn),
        );
    };
  }

  emit<K extends keyof BusEvents>(event: K, payload: BusEvents[K]): void {
    for (const fn of this.listeners.get(event) ?? []) {
      try {
        (fn as Listener<BusEvents[K]>)(payload);
      } catch (err) {
        this.onError(event, err);
      }
    }
  }
}
