/** In-process watch fan-out with a bounded history for resuming from a resourceVersion. */
import { ApiError } from '../../shared/api/errors.js';
import type { KubeObject, WatchEventType } from '../../shared/api/meta.js';

export interface StoreEvent {
  rv: number;
  /** The kind's plural, e.g. `pods`. */
  resource: string;
  type: Exclude<WatchEventType, 'BOOKMARK' | 'ERROR'>;
  object: KubeObject;
  /** For MODIFIED: the object before, so watchers with selectors can see it enter or leave. */
  prev?: KubeObject;
}

export type Listener = (e: StoreEvent) => void;

export class WatchHub {
  private readonly history: StoreEvent[] = [];
  private readonly listeners = new Set<Listener>();
  /** Every event with rv > horizon is in `history`. */
  private horizon: number;

  constructor(
    startRv: number,
    private readonly capacity: number,
  ) {
    this.horizon = startRv;
  }

  publish(e: StoreEvent): void {
    this.history.push(e);
    // Trimmed in steps of a quarter of the capacity: dropping one event per write moved the
    // whole array each time.
    if (this.history.length > this.capacity + Math.ceil(this.capacity / 4)) {
      const dropped = this.history.splice(0, this.history.length - this.capacity);
      const last = dropped[dropped.length - 1];
      if (last) this.horizon = last.rv;
    }
    for (const l of this.listeners) l(e);
  }

  /**
   * Events after `fromRv` still held, then live ones through `listener`.
   * Throws 410 Expired when events after `fromRv` have already been dropped.
   */
  subscribe(fromRv: number | undefined, listener: Listener): { backlog: StoreEvent[]; cancel: () => void } {
    if (fromRv !== undefined && fromRv < this.horizon) {
      throw new ApiError(410, 'Expired', `too old resource version: ${fromRv} (${this.horizon})`);
    }
    const backlog = fromRv === undefined ? [] : this.history.filter((e) => e.rv > fromRv);
    this.listeners.add(listener);
    return { backlog, cancel: () => this.listeners.delete(listener) };
  }
}
