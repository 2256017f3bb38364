import type { Unsubscribe } from "../types.js";

/**
 * A set of listeners. `emit` calls each one synchronously; a listener that throws is reported to
 * `onError` and does not stop the others. Listeners added or removed during `emit` take effect for
 * the next emit.
 */
export class Listeners<T> {
  private readonly fns = new Set<(value: T) => void>();

  constructor(private readonly onError: (err: unknown) => void = () => {}) {}

  add(fn: (value: T) => void): Unsubscribe {
    const wrapped = (value: T) => fn(value);
    this.fns.add(wrapped);
    return () => {
      this.fns.delete(wrapped);
    };
  }

  emit(value: T): void {
    for (const fn of [...this.fns]) {
      try {
        fn(value);
      } catch (err) {
        this.onError(err);
      }
    }
  }

  get size(): number {
    return this.fns.size;
  }
}
