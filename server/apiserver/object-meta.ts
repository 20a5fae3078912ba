/** Server-owned metadata rules shared by every write path. */
import { randomBytes, randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { ApiError } from '../../shared/api/errors.js';
import { apiVersionOf, resourceName, unservedKindMessage, type KindInfo } from '../../shared/api/kinds.js';
import type { KubeObject } from '../../shared/api/meta.js';
import { isRecord } from '../../shared/util/guards.js';

/**
 * Checks the envelope of a request body: a map whose apiVersion and kind, when present, match
 * the URL. Missing ones are taken from the URL, as Kubernetes does (client libraries omit them).
 */
export function asObjectOf(body: unknown, info: KindInfo): KubeObject {
  if (!isRecord(body)) throw ApiError.badRequest('the object provided is not a map (expected a JSON/YAML object)');
  const expected = apiVersionOf(info);
  const kind = body['kind'] ?? info.kind;
  const apiVersion = body['apiVersion'] ?? expected;
  if (typeof kind !== 'string') throw ApiError.badRequest(`expected a string, got ${typeof kind}`, 'kind');
  if (typeof apiVersion !== 'string') throw ApiError.badRequest(`expected a string, got ${typeof apiVersion}`, 'apiVersion');
  if (apiVersion !== expected || kind !== info.kind) {
    const unserved = unservedKindMessage(apiVersion, kind);
    if (unserved) throw ApiError.badRequest(unserved, 'apiVersion');
    throw ApiError.badRequest(
      `the ${apiVersion} ${kind} in the body does not match the URL, which addresses ${expected} ${info.kind}`,
      'kind',
    );
  }
  const metadata = body['metadata'] ?? {};
  if (!isRecord(metadata)) throw ApiError.badRequest('expected an object', 'metadata');
  return { ...body, apiVersion, kind, metadata };
}

const NAME_SUFFIX_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** Kubernetes' generateName suffix: five characters that cannot spell words. */
export function generateNameSuffix(): string {
  const bytes = randomBytes(5);
  return [...bytes].map((b) => NAME_SUFFIX_ALPHABET[b % NAME_SUFFIX_ALPHABET.length]).join('');
}

/** Fills in what the server owns on create. */
export function initMetadata(obj: KubeObject, info: KindInfo, namespace: string | undefined, now: string): void {
  const m = obj.metadata;
  if (m.resourceVersion) {
    throw ApiError.badRequest('resourceVersion should not be set on objects to be created', 'metadata.resourceVersion');
  }
  if (info.namespaced) {
    if (m.namespace && m.namespace !== namespace) {
      throw ApiError.badRequest(
        `the namespace of the provided object (${m.namespace}) does not match the namespace sent on the request (${namespace ?? ''})`,
        'metadata.namespace',
      );
    }
    m.namespace = namespace;
  } else {
    delete m.namespace;
  }
  if (!m.name && m.generateName) m.name = `${m.generateName}${generateNameSuffix()}`;
  m.uid = randomUUID();
  m.creationTimestamp = now;
  delete m.deletionTimestamp;
  if (info.hasSpec) m.generation = 1;
  else delete m.generation;
}

/**
 * Carries what the client may not change from `current` into `next` and bumps the generation
 * when (and only when) the spec changed.
 */
export function carryMetadata(current: KubeObject, next: KubeObject, info: KindInfo): void {
  const c = current.metadata;
  const n = next.metadata;
  n.name = c.name;
  if (c.namespace) n.namespace = c.namespace;
  n.uid = c.uid;
  n.creationTimestamp = c.creationTimestamp;
  if (c.deletionTimestamp) n.deletionTimestamp = c.deletionTimestamp;
  else delete n.deletionTimestamp;
  if (n.managedFields === undefined && c.managedFields) n.managedFields = c.managedFields;
  n.resourceVersion = c.resourceVersion;
  if (info.hasSpec) {
    const changed = !isDeepStrictEqual(current['spec'], next['spec']);
    n.generation = (c.generation ?? 1) + (changed ? 1 : 0);
  } else {
    delete n.generation;
  }
}

/** A write that changes nothing is not a write: same resourceVersion, no watch event. */
export function sameObject(a: KubeObject, b: KubeObject): boolean {
  return isDeepStrictEqual(a, b);
}

/** Optimistic concurrency: a resourceVersion in the request must be the stored one. */
export function checkPrecondition(current: KubeObject, wantedRv: string | undefined, info: KindInfo): void {
  if (wantedRv && wantedRv !== current.metadata.resourceVersion) {
    throw ApiError.conflict(
      resourceName(info),
      current.metadata.name ?? '',
      'the object has been modified; please apply your changes to the latest version and try again',
    );
  }
}
