/**
 * The API as controllers and the fleet link use it in process: same validation, defaulting,
 * concurrency and watch semantics as HTTP clients get, addressed by kind instead of URL.
 */
import { ApiError } from '../../shared/api/errors.js';
import { kindByName, resourceName, type KindInfo } from '../../shared/api/kinds.js';
import type { KubeObject } from '../../shared/api/meta.js';
import type { ObjectStore } from '../store/object-store.js';
import type { StoreEvent } from '../store/watch-hub.js';
import type { PatchType } from './body.js';
import { parseListOptions } from './list-options.js';
import type { ResourcePath } from './request-path.js';
import type { DeleteOptions, ResourceService } from './resource-service.js';

export interface ListFilter {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
}

function info(kind: string): KindInfo {
  const i = kindByName(kind);
  if (!i) throw new Error(`internal client: unknown kind ${kind}`);
  return i;
}

function path(kind: string, namespace: string | undefined, name?: string, status = false): ResourcePath {
  const p: ResourcePath = { info: info(kind) };
  if (namespace) p.namespace = namespace;
  if (name !== undefined) p.name = name;
  if (status) p.subresource = 'status';
  return p;
}

export class InternalClient {
  constructor(
    private readonly service: ResourceService,
    private readonly store: ObjectStore,
  ) {}

  async get(kind: string, namespace: string | undefined, name: string): Promise<KubeObject | undefined> {
    try {
      return await this.service.get(path(kind, namespace, name));
    } catch (e: unknown) {
      if (e instanceof ApiError && e.code === 404) return undefined;
      throw e;
    }
  }

  async list(kind: string, filter: ListFilter = {}): Promise<KubeObject[]> {
    const params = new URLSearchParams();
    if (filter.labelSelector) params.set('labelSelector', filter.labelSelector);
    if (filter.fieldSelector) params.set('fieldSelector', filter.fieldSelector);
    const p = path(kind, filter.namespace);
    return (await this.service.list(p, parseListOptions(params, p.info, filter.namespace))).items;
  }

  create(kind: string, obj: KubeObject): Promise<KubeObject> {
    return this.service.create(path(kind, obj.metadata.namespace), obj);
  }

  update(kind: string, obj: KubeObject): Promise<KubeObject> {
    return this.service.update(path(kind, obj.metadata.namespace, obj.metadata.name ?? ''), obj);
  }

  updateStatus(kind: string, obj: KubeObject): Promise<KubeObject> {
    return this.service.update(path(kind, obj.metadata.namespace, obj.metadata.name ?? '', true), obj);
  }

  patch(kind: string, namespace: string | undefined, name: string, type: Exclude<PatchType, 'apply'>, patch: unknown, opts: { status?: boolean } = {}): Promise<KubeObject> {
    return this.service.patch(path(kind, namespace, name, opts.status ?? false), type, patch, { force: false });
  }

  delete(kind: string, namespace: string | undefined, name: string, opts: DeleteOptions = {}): Promise<KubeObject> {
    return this.service.delete(path(kind, namespace, name), opts);
  }

  /** Live changes to objects of `kinds` (from now on), for controllers that map them to keys. */
  watch(kinds: string[], listener: (e: StoreEvent) => void): () => void {
    const resources = new Set(kinds.map((k) => resourceName(info(k))));
    const sub = this.store.watch(undefined, (e) => {
      if (resources.has(e.resource)) listener(e);
    });
    return sub.cancel;
  }
}
