/** Who is signed in, and the live collections the pages read (each page holds those it shows). */
import { signal } from '@preact/signals';
import { ApiFailure, getJson, storedToken, storeToken } from './api.js';
import { Collection, Heartbeats, startClock } from './live.js';
import type { ControllerRevision, DaemonSet, KEvent, Node, Pod } from './types.js';

export type Role = 'admin' | 'viewer';

export interface Live {
  nodes: Collection<Node>;
  pods: Collection<Pod>;
  events: Collection<KEvent>;
  daemonsets: Collection<DaemonSet>;
  revisions: Collection<ControllerRevision>;
  heartbeats: Heartbeats;
}

export const role = signal<Role | undefined>(undefined);
export const user = signal('');
export const live = signal<Live | undefined>(undefined);
let stops: (() => void)[] = [];

function startLive(): Live {
  const l: Live = {
    nodes: new Collection<Node>('/api/v1/nodes'),
    pods: new Collection<Pod>('/api/v1/pods'),
    events: new Collection<KEvent>('/api/v1/events'),
    daemonsets: new Collection<DaemonSet>('/apis/apps/v1/daemonsets'),
    revisions: new Collection<ControllerRevision>('/apis/apps/v1/controllerrevisions'),
    heartbeats: new Heartbeats(),
  };
  stops = [startClock()];
  return l;
}

/** Checks the stored token with the hub; on success starts the live data. */
export async function resume(): Promise<string | undefined> {
  if (!storedToken()) return undefined;
  try {
    const me = await getJson<{ user: string; role: Role }>('/ui/api/whoami');
    role.value = me.role;
    user.value = me.user;
    live.value ??= startLive();
    return undefined;
  } catch (e: unknown) {
    storeToken(undefined);
    return e instanceof ApiFailure && e.code === 401 ? 'That token was not accepted.' : e instanceof Error ? e.message : String(e);
  }
}

export async function signIn(token: string): Promise<string | undefined> {
  storeToken(token.trim());
  return resume();
}

export function signOut(): void {
  for (const s of stops) s();
  stops = [];
  storeToken(undefined);
  live.value = undefined;
  role.value = undefined;
}
