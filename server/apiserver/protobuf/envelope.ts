/**
 * Kubernetes' protobuf envelope: the magic `k8s\0`, then a runtime.Unknown holding the
 * TypeMeta (apiVersion=1, kind=2) and the object's message bytes (raw=2).
 */
import { ApiError } from '../../../shared/api/errors.js';
import { errorMessage, isRecord, type JsonObject } from '../../../shared/util/guards.js';
import { decodeMessage, encodeMessage, NotEncodable } from './codec.js';
import { m, message, ms, type Message } from './dsl.js';
import { ControllerRevision, ConfigMap, DaemonSet, Event, Namespace, Node, Secret } from './kind-messages.js';
import { DeleteOptions, ListMeta, Status } from './meta-messages.js';
import { Lease } from './lease-messages.js';
import { Pod } from './pod-messages.js';
import { PodDisruptionBudget } from './policy-messages.js';
import { Eviction, SelfSubjectAccessReview, SelfSubjectReview } from './review-messages.js';
import { lengthDelimited, readFields, WireError } from './wire.js';

export const PROTOBUF_MEDIA_TYPE = 'application/vnd.kubernetes.protobuf';
const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

const OBJECT_KINDS: Record<string, Message> = { Pod, Node, Namespace, ConfigMap, Secret, Event, DaemonSet, ControllerRevision, Lease, PodDisruptionBudget };

const listOf = (kind: string, item: Message): Message => message(`${kind}List`, { metadata: m(1, () => ListMeta), items: ms(2, () => item) });

const MESSAGES: ReadonlyMap<string, Message> = new Map<string, Message>([
  ...Object.entries(OBJECT_KINDS).flatMap(([kind, msg]): [string, Message][] => [
    [kind, msg],
    [`${kind}List`, listOf(kind, msg)],
  ]),
  ['Status', Status],
  ['DeleteOptions', DeleteOptions],
  ['Eviction', Eviction],
  ['SelfSubjectAccessReview', SelfSubjectAccessReview],
  ['SelfSubjectReview', SelfSubjectReview],
]);

/** The message of a kind (or list kind), for documents generated from the tables. */
export function kindMessage(kind: string): Message | undefined {
  return MESSAGES.get(kind);
}

/** Kinds a protobuf body or answer can carry. */
export function protobufKinds(): string[] {
  return [...MESSAGES.keys()];
}

const TOP_LEVEL = new Set(['apiVersion', 'kind']);

/** The envelope for a JSON object; throws NotEncodable when a field has no protobuf number. */
export function encodeProtobuf(obj: JsonObject): Buffer {
  const kind = typeof obj['kind'] === 'string' ? obj['kind'] : '';
  const apiVersion = typeof obj['apiVersion'] === 'string' ? obj['apiVersion'] : '';
  const msg = MESSAGES.get(kind);
  if (!msg) throw new NotEncodable(`kind ${kind || '(none)'} has no protobuf message`);
  const body = encodeMessage(obj, msg, kind, TOP_LEVEL);
  const typeMeta = Buffer.concat([lengthDelimited(1, Buffer.from(apiVersion)), lengthDelimited(2, Buffer.from(kind))]);
  return Buffer.concat([MAGIC, lengthDelimited(1, typeMeta), lengthDelimited(2, body)]);
}

/** Decodes a request body; bad input is a 400 that says what was wrong. */
export function decodeProtobuf(raw: Buffer): JsonObject {
  if (raw.length < MAGIC.length || !raw.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw ApiError.badRequest('the protobuf body does not start with the Kubernetes magic bytes "k8s\\0"');
  }
  try {
    const unknown = readFields(raw.subarray(MAGIC.length));
    const typeMeta = unknown.find((f) => f.num === 1)?.bytes;
    const body = unknown.find((f) => f.num === 2)?.bytes ?? Buffer.alloc(0);
    const encoding = unknown.find((f) => f.num === 3)?.bytes?.toString('utf8') ?? '';
    if (encoding !== '') throw new WireError(`contentEncoding ${encoding} is not supported`);
    const tm = typeMeta ? readFields(typeMeta) : [];
    const apiVersion = tm.find((f) => f.num === 1)?.bytes?.toString('utf8') ?? '';
    const kind = tm.find((f) => f.num === 2)?.bytes?.toString('utf8') ?? '';
    const msg = MESSAGES.get(kind);
    if (!msg) throw ApiError.badRequest(`a protobuf body of kind "${kind}" is not supported; send JSON`);
    const obj = decodeMessage(body, msg);
    return { apiVersion, kind, ...obj };
  } catch (e: unknown) {
    if (e instanceof ApiError) throw e;
    throw ApiError.badRequest(`the request body is not valid Kubernetes protobuf: ${errorMessage(e)}`);
  }
}

/** Encodes when every field has a number; undefined otherwise (the caller answers in JSON). */
export function tryEncodeProtobuf(body: unknown): Buffer | undefined {
  if (!isRecord(body)) return undefined;
  try {
    return encodeProtobuf(body);
  } catch (e: unknown) {
    if (e instanceof NotEncodable) return undefined;
    throw e;
  }
}
