/**
 * Carries a DaemonSet plan out through the API: revisions first, then pod deletions, then pod
 * creations in slow-start batches (1, 2, 4, … as Kubernetes' `slowStartBatch`, so a template
 * the API refuses costs one failed create, not one per node). Every pod created or deleted is
 * an event on the DaemonSet. A step that fails does not stop the others of its kind (except
 * the creations left in a failed batch); the result says whether all succeeded.
 */
import { ApiError } from '../../../shared/api/errors.js';
import type { KubeObject } from '../../../shared/api/meta.js';
import { errorMessage } from '../../../shared/util/guards.js';
import type { Logger } from '../../../shared/util/logger.js';
import type { InternalClient } from '../../apiserver/internal-client.js';
import type { EventSink, InvolvedObject } from '../../events/recorder.js';
import { daemonSetOwnerRef } from './claim.js';
import { daemonPodFor } from './pod-template.js';
import { REVISION_HASH_LABEL } from './revisions.js';
import { createdEvent, deletedEvent, failedCreateEvent, failedDeleteEvent, type DaemonSetStep, type PlannedEvent } from './steps.js';
import type { DaemonSetView } from './view.js';

export interface ExecuteDeps {
  client: InternalClient;
  events: EventSink;
  log: Logger;
}

export interface ExecuteInput {
  ds: DaemonSetView;
  /** The ds's involved-object reference for events. */
  involved: InvolvedObject;
  steps: readonly DaemonSetStep[];
  /** Pods the DaemonSet controls (name → revision hash label), for relabelling. */
  podHashes: ReadonlyMap<string, string | undefined>;
  /** Template labels, copied onto revisions as Kubernetes does. */
  templateLabels: Readonly<Record<string, string>>;
}

export interface ExecuteResult {
  ok: boolean;
  /** Set when a revision name was taken by one this DaemonSet does not control. */
  collision?: boolean;
  errors: string[];
}

type Step<K extends DaemonSetStep['kind']> = Extract<DaemonSetStep, { kind: K }>;

/** 404 on delete: already gone, which is what was wanted. */
const gone = (e: unknown): boolean => e instanceof ApiError && e.code === 404;

export async function executePlan(deps: ExecuteDeps, input: ExecuteInput): Promise<ExecuteResult> {
  const { client, log } = deps;
  const { ds } = input;
  const result: ExecuteResult = { ok: true, errors: [] };
  const emit = (e: PlannedEvent): void => deps.events.record(input.involved, e.type, e.reason, e.message);
  const fail = (what: string, e: unknown): void => {
    result.ok = false;
    result.errors.push(`${what}: ${errorMessage(e)}`);
    log.warn('daemonset step failed', { step: what, error: errorMessage(e) });
  };

  const revisionStep = async (s: Step<'createRevision' | 'renumberRevision' | 'relabelPods' | 'deleteRevision'>): Promise<void> => {
    switch (s.kind) {
      case 'createRevision': {
        const r = s.revision;
        const obj: KubeObject = {
          apiVersion: 'apps/v1', kind: 'ControllerRevision',
          metadata: {
            name: r.name, namespace: ds.namespace,
            labels: { ...input.templateLabels, [REVISION_HASH_LABEL]: r.hash },
            ownerReferences: [daemonSetOwnerRef(ds)],
          },
          data: r.data, revision: r.revision,
        };
        try {
          await client.create('ControllerRevision', obj);
        } catch (e: unknown) {
          if (e instanceof ApiError && e.code === 409) result.collision = true;
          throw e;
        }
        return;
      }
      case 'renumberRevision':
        await client.patch('ControllerRevision', ds.namespace, s.name, 'merge', { revision: s.revision });
        return;
      case 'relabelPods':
        for (const [pod, hash] of input.podHashes) {
          if (hash === s.fromHash) await client.patch('Pod', ds.namespace, pod, 'merge', { metadata: { labels: { [REVISION_HASH_LABEL]: s.toHash } } });
        }
        return;
      case 'deleteRevision':
        await client.delete('ControllerRevision', ds.namespace, s.name).catch((e: unknown) => {
          if (!gone(e)) throw e;
        });
    }
  };

  const deletePod = async (s: Step<'deletePod'>): Promise<void> => {
    try {
      await client.delete('Pod', ds.namespace, s.pod);
      emit(deletedEvent(s.pod));
    } catch (e: unknown) {
      if (gone(e)) return;
      emit(failedDeleteEvent(s.pod, errorMessage(e)));
      throw e;
    }
  };

  const createPod = async (s: Step<'createPod'>): Promise<void> => {
    try {
      const pod = await client.create('Pod', daemonPodFor(ds, s.node, s.hash, s.template));
      emit(createdEvent(pod.metadata.name ?? ''));
    } catch (e: unknown) {
      emit(failedCreateEvent(errorMessage(e)));
      throw e;
    }
  };

  for (const s of input.steps) {
    if (s.kind === 'deletePod' || s.kind === 'createPod') continue;
    try {
      await revisionStep(s);
    } catch (e: unknown) {
      fail(`${s.kind} ${s.kind === 'relabelPods' ? s.fromHash : s.kind === 'createRevision' ? s.revision.name : s.name}`, e);
      // Pods must not be created for a revision that is not recorded.
      return result;
    }
  }

  const deletes = input.steps.filter((s): s is Step<'deletePod'> => s.kind === 'deletePod');
  const settled = await Promise.allSettled(deletes.map(deletePod));
  settled.forEach((r, i) => {
    if (r.status === 'rejected') fail(`delete pod ${deletes[i]?.pod ?? ''}`, r.reason);
  });

  const creates = input.steps.filter((s): s is Step<'createPod'> => s.kind === 'createPod');
  let batch = 1;
  for (let i = 0; i < creates.length; i += batch, batch *= 2) {
    const slice = creates.slice(i, i + batch);
    const done = await Promise.allSettled(slice.map(createPod));
    let failed = false;
    done.forEach((r, j) => {
      if (r.status === 'rejected') {
        failed = true;
        fail(`create pod on ${slice[j]?.node ?? ''}`, r.reason);
      }
    });
    if (failed) {
      const skipped = creates.length - i - slice.length;
      if (skipped > 0) log.warn('daemonset pod creations skipped after a failed batch', { skipped });
      break;
    }
  }
  return result;
}
