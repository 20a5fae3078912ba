/**
 * One decoder per kind: the only way an object becomes typed. Decoding is what the API server
 * does to every write, and what the agent does to each object of a verified desired document:
 *
 *   drop null fields → validate (rules + the JSON type of every known field) → default → typed.
 *
 * Validation collects every problem; decoding throws them all at once as a DecodeError (a 422
 * Invalid Status naming each field). Defaults are filled in place after validation, so errors
 * name what the client sent; defaulting a valid object keeps it valid.
 */
import { applyDefaults } from '../defaults.js';
import { ApiError, type FieldError } from '../errors.js';
import { kindByName, type KindInfo } from '../kinds.js';
import type { KubeObject } from '../meta.js';
import { dropNullFields } from '../schema/shape.js';
import { validateObject } from '../validation/index.js';
import type { ConfigMap, Secret } from './config.js';
import type { ControllerRevision } from './controllerrevision.js';
import type { DaemonSet } from './daemonset.js';
import type { Event } from './event.js';
import type { Namespace } from './namespace.js';
import type { Node } from './node.js';
import type { Pod } from './pod.js';
import type { PodDisruptionBudget } from './poddisruptionbudget.js';

/** An object that is not a valid object of its kind; `field` is the first field at fault. */
export class DecodeError extends ApiError {
  readonly field: string;

  constructor(
    kind: string,
    name: string,
    readonly errors: readonly FieldError[],
  ) {
    const e = ApiError.invalid(kind, name, [...errors]);
    super(e.code, e.reason, e.message, e.details);
    this.name = 'DecodeError';
    this.field = errors[0]?.field ?? '';
  }
}

export function isDecodeError(e: unknown): e is DecodeError {
  return e instanceof DecodeError;
}

/** Every served kind by its name, for code that decodes whatever kind it is given. */
export interface KindTypes {
  Pod: Pod;
  Node: Node;
  DaemonSet: DaemonSet;
  ControllerRevision: ControllerRevision;
  ConfigMap: ConfigMap;
  Secret: Secret;
  Namespace: Namespace;
  Event: Event;
  PodDisruptionBudget: PodDisruptionBudget;
}

export type KindName = keyof KindTypes;

/**
 * The one unchecked step: an object without errors is its kind's type. What makes this true
 * is that validation reports every rule the types encode (required fields, enums) and the
 * schema check the JSON type of every other field (schema/shape.ts).
 */
function conforms<T>(_obj: unknown, errors: readonly FieldError[]): _obj is T {
  return errors.length === 0;
}

function infoOf(kind: string): KindInfo {
  const info = kindByName(kind);
  if (!info) throw new TypeError(`decode: ${kind} is not a served kind`);
  return info;
}

function check(obj: KubeObject, info: KindInfo): FieldError[] {
  dropNullFields(obj, info.kind);
  return validateObject(obj, info);
}

/**
 * The API server's decoding of a write, for whichever served kind `info` is: in place, or a
 * DecodeError naming every field at fault.
 */
export function decodeServed(obj: KubeObject, info: KindInfo): void {
  const errors = check(obj, info);
  if (errors.length > 0) throw new DecodeError(info.kind, obj.metadata.name ?? '', errors);
  applyDefaults(obj);
}

/**
 * Decodes `obj` as an object of `kind`, in place (nulls dropped, defaults filled), or throws a
 * DecodeError naming every field at fault. The result is `obj` itself, typed.
 */
export function decodeAs<K extends KindName>(kind: K, obj: KubeObject): KindTypes[K] {
  const errors = check(obj, infoOf(kind));
  if (!conforms<KindTypes[K]>(obj, errors)) throw new DecodeError(kind, obj.metadata.name ?? '', errors);
  applyDefaults(obj);
  return obj;
}

export const decodePod = (obj: KubeObject): Pod => decodeAs('Pod', obj);
export const decodeNode = (obj: KubeObject): Node => decodeAs('Node', obj);
export const decodeDaemonSet = (obj: KubeObject): DaemonSet => decodeAs('DaemonSet', obj);
export const decodeControllerRevision = (obj: KubeObject): ControllerRevision => decodeAs('ControllerRevision', obj);
export const decodeConfigMap = (obj: KubeObject): ConfigMap => decodeAs('ConfigMap', obj);
export const decodeSecret = (obj: KubeObject): Secret => decodeAs('Secret', obj);
export const decodeNamespace = (obj: KubeObject): Namespace => decodeAs('Namespace', obj);
export const decodeEvent = (obj: KubeObject): Event => decodeAs('Event', obj);
export const decodePodDisruptionBudget = (obj: KubeObject): PodDisruptionBudget => decodeAs('PodDisruptionBudget', obj);

/**
 * An object read back from the hub's store (or served by the hub to a client such as flotctl)
 * as its kind's type. The store holds only objects the API server decoded (decodeServed), so
 * only the kind is checked here: a mismatch is a programming error (a TypeError), not bad input.
 */
export function fromStore<K extends KindName>(kind: K, obj: KubeObject): KindTypes[K] {
  if (!isStored<KindTypes[K]>(obj, kind)) throw new TypeError(`fromStore: expected a ${kind}, got a ${obj.kind}`);
  return obj;
}

function isStored<T>(obj: KubeObject, kind: string): obj is KubeObject & T {
  return obj.kind === kind;
}
