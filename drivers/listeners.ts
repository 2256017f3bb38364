import type { Unsubscribe } from "./types.js";

/**
 * A set of listeners for one kind of event. `emit` calls each in subscription order; a listener that
 * throws is reported to `onError` (default: ignored) and never stops the others or the driver.
 */
export class Listeners<T> {
  private readonly set = new Set<(value: T) => void>();

  constructor(private readonly onError: (err: unknown) => void = () => {}) {}

  add(listener: (value: T) => void): Unsubscribe {
    const wrapped = (value: T) => listener(value);
    this.set.add(wrapped);
    return () => {
      this.set.delete(wrapped);
    };
  }

  emit(value: T): void {
    for (const l of [...this.set]) {
      try {
        l(value);
      } catch (err) {
        this.onError(err);
      }
    }
  }

  get size(): number {
    return this.set.size;
  }
}
