/**
 * The semantics of every verb on every served kind: validation, defaulting, metadata rules,
 * optimistic concurrency, patches and server-side apply. HTTP-free, so it is testable directly.
 */
import { ApiError } from '../../shared/api/errors.js';
import { IGNORE_FIELDS, type FieldValidator } from '../../shared/api/schema/index.js';
import { apiVersionOf, resourceName, SERVED_KINDS, type KindInfo } from '../../shared/api/kinds.js';
import type { KubeList, KubeObject } from '../../shared/api/meta.js';
import { decodeServed } from '../../shared/api/types/index.js';
import { validateUpdate } from '../../shared/api/validation/index.js';
import { applyJsonPatch, jsonMergePatch, serverSideApply, strategicMergePatch } from '../../shared/patch/index.js';
import { rfc3339, type Clock } from '../../shared/util/clock.js';
import { isRecord } from '../../shared/util/guards.js';
import type { ListPage, ObjectStore } from '../store/object-store.js';
import type { PatchType } from './body.js';
import { encodeContinue, type ListOptions } from './list-options.js';
import { asObjectOf, carryMetadata, checkPrecondition, initMetadata, sameObject } from './object-meta.js';
import { admitOnCreate, carryDeletionGracePeriod, planDelete, shouldDeleteDuringUpdate, type GracefulDeleteOptions } from './admission/index.js';
import type { ResourcePath } from './request-path.js';
import { trackUpdate } from './field-managers.js';
import { PodSecurityAdmission, POD_SECURITY_KINDS } from './admission/pod-security.js';
import type { EnforcedPolicy } from '../../shared/api/pod-security/index.js';
import { applyPropagation, type PropagationPolicy } from './admission/propagation.js';
import { admitDaemonSetCreate, admitDaemonSetUpdate } from './admission/daemonset.js';

/** Namespaces that exist from the start and cannot be deleted, as in Kubernetes. */
export const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'] as const;

/** Kinds whose incoming status is dropped on create: their status is the system's report, not the user's. */
const STATUS_RESET_ON_CREATE = new Set(['Pod', 'DaemonSet', 'PodDisruptionBudget']);

export interface DeleteOptions extends GracefulDeleteOptions {
  propagationPolicy?: PropagationPolicy;
  preconditionUid?: string;
  preconditionRv?: string;
}

export interface ApplyOptions {
  fieldManager?: string;
  force: boolean;
}

export class ResourceService {
  constructor(
    private readonly store: ObjectStore,
    private readonly clock: Clock,
    /** Pod Security admission; the hub-wide default level is baseline unless told. */
    private readonly podSecurity: PodSecurityAdmission = new PodSecurityAdmission('baseline'),
  ) {}

  async ensureSystemNamespaces(): Promise<void> {
    const info = kindInfo('Namespace');
    for (const name of SYSTEM_NAMESPACES) {
      if (await this.store.get(resourceName(info), undefined, name)) continue;
      await this.create({ info }, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
    }
  }

  async get(path: ResourcePath): Promise<KubeObject> {
    const name = requireName(path);
    const obj = await this.store.get(resourceName(path.info), path.namespace, name);
    if (!obj) throw notFound(path.info, name);
    return obj;
  }

  /** One page (or all) of the matching objects, read from the store's key order and indexes. */
  async list(path: ResourcePath, opts: ListOptions): Promise<KubeList> {
    const page: ListPage = { matches: opts.matches };
    if (opts.limit !== undefined) page.limit = opts.limit;
    if (opts.continueKey !== undefined) page.after = opts.continueKey;
    const { items, rv, more } = await this.store.list(resourceName(path.info), opts.query, page);
    const list: KubeList = {
      apiVersion: apiVersionOf(path.info),
      kind: path.info.listKind,
      metadata: { resourceVersion: String(rv) },
      items,
    };
    if (more) {
      list.metadata.continue = encodeContinue(more.lastKey);
      list.metadata.remainingItemCount = more.remaining;
    }
    return list;
  }

  /**
   * `fields` applies the request's fieldValidation to the body; writes the hub makes itself skip it.
   * `manager` (the request's field manager) is recorded in managedFields; the hub's own writes have none.
   */
  async create(path: ResourcePath, body: unknown, dryRun = false, fields: FieldValidator = IGNORE_FIELDS, manager?: string): Promise<KubeObject> {
    const { info } = path;
    if (path.name !== undefined || path.subresource) {
      throw new ApiError(405, 'MethodNotAllowed', `POST is not allowed on a single ${info.kind}: send it to the collection`);
    }
    if (info.namespaced && !path.namespace) {
      throw new ApiError(405, 'MethodNotAllowed', `${info.kind} is namespaced: POST it to /namespaces/NAME/${info.plural}`);
    }
    const decoded = asObjectOf(body, info);
    fields.check(decoded, info.kind);
    const obj = admitOnCreate(decoded);
    if (info.kind === 'DaemonSet') admitDaemonSetCreate(obj);
    initMetadata(obj, info, path.namespace, rfc3339(this.clock.now()));
    if (STATUS_RESET_ON_CREATE.has(info.kind)) delete obj['status'];
    decodeServed(obj, info);
    if (info.namespaced) await this.requireNamespace(path.namespace ?? '');
    if (info.kind === 'Namespace') this.podSecurity.validateNamespace(obj);
    const policy = await this.podSecurityPolicy(info, path.namespace);
    if (policy) this.podSecurity.admit(obj, policy);
    const tracked = manager && !obj.metadata.managedFields ? trackUpdate(undefined, obj, manager, rfc3339(this.clock.now())) : obj;
    if (dryRun) return tracked;
    return this.store.create(resourceName(info), tracked);
  }

  /** PUT: replaces the object (or only its status on the status subresource). */
  update(path: ResourcePath, body: unknown, dryRun = false, fields: FieldValidator = IGNORE_FIELDS, manager?: string): Promise<KubeObject> {
    const name = requireName(path);
    const incoming = asObjectOf(body, path.info);
    fields.check(incoming, path.info.kind);
    if (incoming.metadata.name && incoming.metadata.name !== name) {
      throw ApiError.badRequest(
        `the name of the object (${incoming.metadata.name}) does not match the name on the URL (${name})`,
        'metadata.name',
      );
    }
    return this.write(path, name, dryRun, (current) => {
      checkPrecondition(current, incoming.metadata.resourceVersion, path.info);
      return incoming;
    }, manager);
  }

  /** Merge and strategic patches are checked as sent, apply configurations as objects; JSON patches are not. */
  patch(path: ResourcePath, type: PatchType, patch: unknown, opts: ApplyOptions, dryRun = false, fields: FieldValidator = IGNORE_FIELDS): Promise<KubeObject> {
    const name = requireName(path);
    const { info } = path;
    if (type === 'apply') return this.apply(path, name, patch, opts, dryRun, fields);
    if (type !== 'json') fields.check(patch, info.kind, { patch: true });
    return this.write(path, name, dryRun, (current) => {
      let patched: unknown;
      if (type === 'json') patched = applyJsonPatch(current, patch);
      else if (!isRecord(patch)) throw ApiError.badRequest('a merge patch must be a JSON object');
      else if (type === 'merge') patched = jsonMergePatch(current, patch);
      else patched = strategicMergePatch(current, patch, info.kind);
      const next = asObjectOf(patched, info);
      // A resourceVersion the patch itself sets is a precondition.
      const wanted = next.metadata.resourceVersion;
      checkPrecondition(current, wanted === current.metadata.resourceVersion ? undefined : wanted, info);
      return next;
    }, opts.fieldManager);
  }

  async delete(path: ResourcePath, opts: DeleteOptions, dryRun = false): Promise<KubeObject> {
    const name = requireName(path);
    const { info } = path;
    if (info.kind === 'Namespace') await this.deleteNamespaceContents(name, dryRun);
    return this.store.mutate(resourceName(info), path.namespace, name, (current) => {
      if (opts.preconditionUid && opts.preconditionUid !== current.metadata.uid) {
        throw ApiError.conflict(resourceName(info), name, `Precondition failed: UID in precondition: ${opts.preconditionUid}, UID in object meta: ${current.metadata.uid ?? ''}`);
      }
      checkPrecondition(current, opts.preconditionRv, info);
      if (dryRun) return undefined;
      // Graceful deletion (bound Pods) and finalizers hold the object; see apiserver/admission.
      // Orphan and Foreground add the garbage collector's finalizer first.
      const held = applyPropagation(current, opts.propagationPolicy);
      return planDelete(current, info.kind, opts, this.clock.now()) ?? (held ? { next: current } : undefined);
    });
  }

  async deleteCollection(path: ResourcePath, opts: ListOptions, dryRun = false): Promise<KubeList> {
    const list = await this.list(path, opts);
    const deleted: KubeObject[] = [];
    for (const obj of list.items) {
      const target: ResourcePath = { info: path.info, name: obj.metadata.name ?? '' };
      if (obj.metadata.namespace) target.namespace = obj.metadata.namespace;
      deleted.push(await this.delete(target, {}, dryRun));
    }
    return { ...list, items: deleted };
  }

  private async apply(path: ResourcePath, name: string, body: unknown, opts: ApplyOptions, dryRun: boolean, fields: FieldValidator): Promise<KubeObject> {
    const { info } = path;
    if (!opts.fieldManager) {
      throw ApiError.badRequest('PATCH requests with apply-patch content type must include fieldManager', 'fieldManager');
    }
    const applied = asObjectOf(body, info);
    fields.check(applied, info.kind);
    if (applied.metadata.name !== undefined && applied.metadata.name !== name) {
      throw ApiError.badRequest(`the name of the object (${String(applied.metadata.name)}) does not match the name on the URL (${name})`, 'metadata.name');
    }
    applied.metadata.name = name;
    const settings = { manager: opts.fieldManager, force: opts.force, now: rfc3339(this.clock.now()), kind: info.kind };
    const existing = await this.store.get(resourceName(info), path.namespace, name);
    if (!existing) {
      const created = serverSideApply(undefined, applied, settings);
      return this.create({ info, ...(path.namespace ? { namespace: path.namespace } : {}) }, created, dryRun);
    }
    return this.write(path, name, dryRun, (current) => {
      checkPrecondition(current, applied.metadata.resourceVersion, info);
      return serverSideApply(current, applied, settings);
    });
  }

  /** Shared tail of update, patch and apply: merge rules, validation, no-op detection, finalizers. */
  private async write(path: ResourcePath, name: string, dryRun: boolean, decide: (current: KubeObject) => KubeObject, manager?: string): Promise<KubeObject> {
    const { info } = path;
    let result: KubeObject | undefined;
    const policy = path.subresource === undefined ? await this.podSecurityPolicy(info, path.namespace) : undefined;
    return this.store
      .mutate(resourceName(info), path.namespace, name, (current) => {
        const proposed = decide(structuredClone(current));
        let next = path.subresource === 'status' ? withStatusOnly(current, proposed) : proposed;
        if (path.subresource !== 'status' && info.hasStatus) {
          if (current['status'] === undefined) delete next['status'];
          else next['status'] = current['status'];
        }
        carryMetadata(current, next, info);
        carryDeletionGracePeriod(current, next);
        decodeServed(next, info);
        if (info.kind === 'DaemonSet' && path.subresource !== 'status') admitDaemonSetUpdate(current, next);
        if (manager) next = trackUpdate(current, next, manager, rfc3339(this.clock.now()), path.subresource);
        const errors = validateUpdate(current, next, info);
        if (errors.length > 0) throw ApiError.invalid(info.kind, name, errors);
        if (info.kind === 'Namespace' && path.subresource === undefined) this.podSecurity.validateNamespace(next);
        if (policy) this.podSecurity.admit(next, policy, current);
        if (dryRun || sameObject(current, next)) {
          result = next;
          return undefined;
        }
        if (shouldDeleteDuringUpdate(current, next)) return { remove: true };
        return { next };
      })
      .then((stored) => (result && dryRun ? result : stored));
  }

  /** The Pod Security policy of the namespace, for the kinds it judges. */
  private async podSecurityPolicy(info: KindInfo, namespace: string | undefined): Promise<EnforcedPolicy | undefined> {
    if (!POD_SECURITY_KINDS.has(info.kind) || namespace === undefined) return undefined;
    const ns = await this.store.get(resourceName(kindInfo('Namespace')), undefined, namespace);
    return this.podSecurity.policyOf(ns?.metadata.labels);
  }

  private async requireNamespace(namespace: string): Promise<void> {
    const ns = await this.store.get(resourceName(kindInfo('Namespace')), undefined, namespace);
    if (!ns) throw ApiError.notFound('namespaces', namespace);
    if (ns.metadata.deletionTimestamp) {
      throw new ApiError(403, 'Forbidden', `unable to create new content in namespace ${namespace} because it is being terminated`);
    }
  }

  private async deleteNamespaceContents(namespace: string, dryRun: boolean): Promise<void> {
    if ((SYSTEM_NAMESPACES as readonly string[]).includes(namespace)) {
      throw new ApiError(403, 'Forbidden', `namespace ${namespace} is a system namespace and may not be deleted`);
    }
    if (!(await this.store.get(resourceName(kindInfo('Namespace')), undefined, namespace))) throw notFound(kindInfo('Namespace'), namespace);
    if (dryRun) return;
    for (const info of SERVED_KINDS.filter((k) => k.namespaced)) {
      const { items } = await this.store.list(resourceName(info), { namespace });
      for (const obj of items) {
        await this.store.mutate(resourceName(info), namespace, obj.metadata.name ?? '', () => ({ remove: true })).catch(ignoreNotFound);
      }
    }
  }
}

function withStatusOnly(current: KubeObject, proposed: KubeObject): KubeObject {
  const next = structuredClone(current);
  if (proposed['status'] === undefined) delete next['status'];
  else next['status'] = proposed['status'];
  return next;
}

function requireName(path: ResourcePath): string {
  if (path.name === undefined || path.name === '') throw ApiError.badRequest('a resource name is required', 'metadata.name');
  return path.name;
}

function notFound(info: KindInfo, name: string): ApiError {
  return ApiError.notFound(resourceName(info), name);
}

export function kindInfo(kind: string): KindInfo {
  const info = SERVED_KINDS.find((k) => k.kind === kind);
  if (!info) throw new Error(`unknown kind ${kind}`);
  return info;
}

function ignoreNotFound(e: unknown): void {
  if (e instanceof ApiError && e.code === 404) return;
  throw e;
}
