/**
 * The garbage collector: one controller per collected kind, keyed by `namespace/name`, that
 * carries out planCollection (plan.ts) for the object. It is woken by the object's own
 * ownerReferences, finalizers or deletion changing, by an owner of it being removed, and — for
 * an owner being deleted — by any of its dependents changing or going away. An owner that looks
 * absent in the cache is confirmed absent with a live read before anything is deleted.
 */
import { isDeepStrictEqual } from 'node:util';
import { ApiError } from '../../../shared/api/errors.js';
import type { KubeObject } from '../../../shared/api/meta.js';
import type { Logger } from '../../../shared/util/logger.js';
import type { InternalClient } from '../../apiserver/internal-client.js';
import { COLLECTED_KINDS } from '../../apiserver/admission/propagation.js';
import { objectKey } from '../../store/keys.js';
import type { StoreEvent } from '../../store/watch-hub.js';
import { keyOf, type CacheReader, type Controller, type ReconcileContext } from '../runtime/index.js';
import { planCollection, type GcStep, type OwnerState } from './plan.js';

type CollectedKind = (typeof COLLECTED_KINDS)[number];

const isCollected = (kind: string): kind is CollectedKind => (COLLECTED_KINDS as readonly string[]).includes(kind);

/** What the collector reads of an object: a change elsewhere cannot change its decision. */
const gcFacts = (o: KubeObject): unknown => [o.metadata.ownerReferences, o.metadata.finalizers, o.metadata.deletionTimestamp];

const ignoreGone = (e: unknown): void => {
  if (e instanceof ApiError && (e.code === 404 || e.code === 409)) return;
  throw e;
};

function dependentsOf(obj: KubeObject, cache: CacheReader): KubeObject[] {
  const uid = obj.metadata.uid;
  if (!uid) return [];
  return COLLECTED_KINDS.flatMap((k): KubeObject[] => cache.ownedBy(uid, k));
}

export function gcController(kind: CollectedKind, deps: { client: InternalClient }): Controller {
  const { client } = deps;

  /** Keys of `kind` an event concerns. */
  function map(e: StoreEvent, cache: CacheReader): string[] {
    const keys = new Set<string>();
    const o = e.object;
    if (o.kind === kind && (e.type !== 'MODIFIED' || !e.prev || !isDeepStrictEqual(gcFacts(e.prev), gcFacts(o)))) {
      if (e.type !== 'DELETED') keys.add(keyOf(o));
    }
    // An owner went away: its dependents of this kind may be dangling now.
    if (e.type === 'DELETED' && o.metadata.uid) for (const d of cache.ownedBy(o.metadata.uid, kind)) keys.add(keyOf(d));
    // A dependent changed or went away: an owner of this kind being deleted may be waiting on it.
    for (const x of [o, e.prev]) {
      for (const r of x?.metadata.ownerReferences ?? []) {
        if (r.kind !== kind) continue;
        const owner = cache.get(kind, o.metadata.namespace, r.name);
        if (owner?.metadata.deletionTimestamp) keys.add(objectKey(o.metadata.namespace, r.name));
      }
    }
    return [...keys];
  }

  /** Absent in the cache and on a live read (same name, same uid). Kinds not collected are taken as present. */
  async function ownerStates(obj: KubeObject, cache: CacheReader): Promise<Map<string, OwnerState>> {
    const states = new Map<string, OwnerState>();
    for (const r of obj.metadata.ownerReferences ?? []) {
      if (!isCollected(r.kind)) {
        states.set(r.uid, 'present');
        continue;
      }
      const cached = cache.get(r.kind, obj.metadata.namespace, r.name);
      if (cached?.metadata.uid === r.uid) {
        states.set(r.uid, 'present');
        continue;
      }
      const live = await client.get(r.kind, obj.metadata.namespace, r.name);
      states.set(r.uid, live?.metadata.uid === r.uid ? 'present' : 'absent');
    }
    return states;
  }

  async function carryOut(obj: KubeObject, s: GcStep, log: Logger): Promise<void> {
    const ns = obj.metadata.namespace;
    const name = obj.metadata.name ?? '';
    const uid = obj.metadata.uid ?? '';
    const precondition = { resourceVersion: obj.metadata.resourceVersion };
    switch (s.kind) {
      case 'deleteSelf':
        log.info('deleting object whose owners are gone', { kind, name });
        await client.delete(kind, ns, name, { preconditionUid: uid }).catch(ignoreGone);
        return;
      case 'dropOwnerRefs': {
        const refs = (obj.metadata.ownerReferences ?? []).filter((r) => !s.uids.includes(r.uid));
        await client.patch(kind, ns, name, 'merge', { metadata: { ...precondition, ownerReferences: refs } });
        return;
      }
      case 'orphanDependent': {
        const d = s.dependent;
        const refs = (d.metadata.ownerReferences ?? []).filter((r) => r.uid !== uid);
        log.info('orphaning dependent', { kind: d.kind, name: d.metadata.name });
        await client
          .patch(d.kind, d.metadata.namespace, d.metadata.name ?? '', 'merge', { metadata: { resourceVersion: d.metadata.resourceVersion, ownerReferences: refs.length > 0 ? refs : null } });
        return;
      }
      case 'deleteDependent': {
        const d = s.dependent;
        log.info('deleting dependent in the foreground', { kind: d.kind, name: d.metadata.name });
        await client.delete(d.kind, d.metadata.namespace, d.metadata.name ?? '', d.metadata.uid ? { preconditionUid: d.metadata.uid } : {}).catch(ignoreGone);
        return;
      }
      case 'removeFinalizer': {
        const finalizers = (obj.metadata.finalizers ?? []).filter((f) => f !== s.finalizer);
        log.info('removing garbage-collection finalizer', { kind, name, finalizer: s.finalizer });
        await client.patch(kind, ns, name, 'merge', { metadata: { ...precondition, finalizers: finalizers.length > 0 ? finalizers : null } });
      }
    }
  }

  async function reconcile(key: string, { cache, log }: ReconcileContext): Promise<void> {
    const [namespace, name] = key.includes('/') ? key.split('/') : [undefined, key];
    const obj = cache.get(kind, namespace, name ?? '');
    if (!obj) return;
    const states = await ownerStates(obj, cache);
    const steps = planCollection({ obj, dependents: dependentsOf(obj, cache), ownerState: (r) => states.get(r.uid) ?? 'present' });
    for (const s of steps) await carryOut(obj, s, log);
  }

  return {
    name: `garbage-collector/${kind}`,
    kind,
    watches: COLLECTED_KINDS.map((k) => ({ kind: k, map })),
    reconcile,
  };
}

/** One collector per collected kind. */
export function garbageCollectors(deps: { client: InternalClient }): Controller[] {
  return COLLECTED_KINDS.map((k) => gcController(k, deps));
}
