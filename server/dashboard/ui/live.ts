/**
 * Live copies of API collections in the browser: list, then watch from the list's
 * resourceVersion (resuming after a stream ends, relisting after 410 Gone), and the hub's
 * batched heartbeat feed. Each runs only while a page holds it (`acquire`): a browser keeps at
 * most six HTTP/1.1 connections to the hub, and every open stream takes one. Changes are coalesced into at most one signal bump per `BATCH_MS`,
 * so 10,000 nodes heartbeating never re-render the page more than a few times a second.
 */
import { signal } from '@preact/signals';
import { useEffect } from 'preact/hooks';
import { ApiFailure, getJson, isAbort, readLines } from './api.js';
import type { KObject, WatchEvent } from './types.js';

/** A watch line: an object event, or ERROR with a Status. */
type WatchLine<T> = (WatchEvent<T> & { type: Exclude<WatchEvent<T>['type'], 'ERROR'> }) | { type: 'ERROR'; object: { code?: number; message?: string } };

const BATCH_MS = 250;
const RETRY_MS = [1000, 2000, 5000];
/** A stream no page holds any more stays open this long, so going back and forth does not relist. */
const LINGER_MS = 5000;

function keyOf(o: KObject): string {
  return o.metadata.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : o.metadata.name;
}

/** Calls `fn` at most once per `ms`, trailing. */
function throttled(fn: () => void, ms: number): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return () => {
    timer ??= setTimeout(() => {
      timer = undefined;
      fn();
    }, ms);
  };
}

/** Runs `run` while at least one holder has acquired it (and `LINGER_MS` after, for page changes). */
abstract class Held {
  private holders = 0;
  private abort: AbortController | undefined;
  private stopTimer: ReturnType<typeof setTimeout> | undefined;

  protected abstract run(signal: AbortSignal): Promise<void>;

  acquire(): () => void {
    this.holders++;
    clearTimeout(this.stopTimer);
    this.stopTimer = undefined;
    if (!this.abort) {
      const abort = new AbortController();
      this.abort = abort;
      void this.run(abort.signal);
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (--this.holders > 0) return;
      this.stopTimer = setTimeout(() => {
        this.abort?.abort();
        this.abort = undefined;
      }, LINGER_MS);
    };
  }
}

/** Holds `sources` (the same ones on every render) while the calling component is mounted. */
export function useLive(...sources: Held[]): void {
  useEffect(() => {
    const releases = sources.map((s) => s.acquire());
    return () => releases.forEach((r) => r());
  }, []);
}

export class Collection<T extends KObject> extends Held {
  readonly items = new Map<string, T>();
  /** Bumped (coalesced) whenever `items` changed. */
  readonly version = signal(0);
  readonly synced = signal(false);
  readonly error = signal<string | undefined>(undefined);
  private readonly bump = throttled(() => (this.version.value = this.version.value + 1), BATCH_MS);

  constructor(readonly path: string) {
    super();
  }

  get(key: string): T | undefined {
    return this.items.get(key);
  }

  protected async run(signal: AbortSignal): Promise<void> {
    let rv: string | undefined;
    let failures = 0;
    while (!signal.aborted) {
      try {
        if (rv === undefined) rv = await this.list(signal);
        const sep = this.path.includes('?') ? '&' : '?';
        const url = `${this.path}${sep}watch=true&allowWatchBookmarks=true&resourceVersion=${encodeURIComponent(rv)}`;
        await readLines(url, (line) => (rv = this.apply(line) ?? rv), signal);
        failures = 0;
      } catch (e: unknown) {
        if (isAbort(e)) return;
        if (e instanceof ApiFailure && e.code === 410) rv = undefined;
        else if (e instanceof ApiFailure && e.code === 401) {
          this.error.value = e.message;
          return;
        } else {
          this.error.value = e instanceof Error ? e.message : String(e);
          await new Promise((r) => setTimeout(r, RETRY_MS[Math.min(failures++, RETRY_MS.length - 1)]));
        }
      }
    }
  }

  private async list(signal: AbortSignal): Promise<string> {
    const list = await getJson<{ metadata: { resourceVersion: string }; items: T[] }>(this.path, signal);
    this.items.clear();
    for (const o of list.items) this.items.set(keyOf(o), o);
    this.synced.value = true;
    this.error.value = undefined;
    this.bump();
    return list.metadata.resourceVersion;
  }

  /** Applies one watch line; returns the resourceVersion it carried. */
  private apply(line: string): string | undefined {
    const ev = JSON.parse(line) as WatchLine<T>;
    if (ev.type === 'ERROR') throw new ApiFailure(ev.object.code ?? 500, ev.object.message ?? 'watch failed');
    if (ev.type === 'DELETED') this.items.delete(keyOf(ev.object));
    else if (ev.type !== 'BOOKMARK') this.items.set(keyOf(ev.object), ev.object);
    if (ev.type !== 'BOOKMARK') this.bump();
    return ev.object.metadata.resourceVersion;
  }
}

interface HeartbeatFrame {
  type: 'snapshot' | 'delta';
  now: number;
  graceMs: number;
  ages: Record<string, number>;
}

/** When each node was last heard from, in this browser's clock (ms), from the hub's feed. */
export class Heartbeats extends Held {
  readonly lastSeen = new Map<string, number>();
  readonly version = signal(0);
  readonly graceMs = signal(40_000);
  readonly connected = signal(false);

  protected async run(signal: AbortSignal): Promise<void> {
    let failures = 0;
    while (!signal.aborted) {
      try {
        await readLines('/ui/api/heartbeats', (line) => this.apply(JSON.parse(line) as HeartbeatFrame), signal);
        failures = 0;
      } catch (e: unknown) {
        if (isAbort(e)) return;
        if (e instanceof ApiFailure && e.code === 401) return;
      }
      this.connected.value = false;
      if (signal.aborted) return;
      await new Promise((r) => setTimeout(r, RETRY_MS[Math.min(failures++, RETRY_MS.length - 1)]));
    }
  }

  private apply(f: HeartbeatFrame): void {
    const received = Date.now();
    if (f.type === 'snapshot') this.lastSeen.clear();
    for (const [node, age] of Object.entries(f.ages)) this.lastSeen.set(node, received - age);
    this.graceMs.value = f.graceMs;
    this.connected.value = true;
    this.version.value = this.version.value + 1;
  }
}

/** The wall clock, ticking once a second (ages on screen count up live). */
export const now = signal(Date.now());

export function startClock(): () => void {
  const t = setInterval(() => (now.value = Date.now()), 1000);
  return () => clearInterval(t);
}
