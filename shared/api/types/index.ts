/**
 * Typed API objects: the served kinds as Kubernetes defines them, and what validation accepts
 * of them. An object becomes one of these by its kind's decoder (decode.ts), once, where it
 * enters a program; past that point code reads typed fields.
 */
export type * from './meta.js';
export type * from './scheduling.js';
export type * from './handlers.js';
export type * from './security.js';
export type * from './container.js';
export type * from './volume.js';
export type * from './pod.js';
export type * from './node.js';
export type * from './daemonset.js';
export type * from './controllerrevision.js';
export type * from './config.js';
export type * from './namespace.js';
export type * from './event.js';
export type * from './poddisruptionbudget.js';
export { DecodeError, decodeAs, decodeConfigMap, decodeControllerRevision, decodeDaemonSet, decodeEvent, decodeNamespace, decodeNode, decodePod, decodePodDisruptionBudget, decodeSecret, decodeServed, fromStore, isDecodeError } from './decode.js';
export type { KindName, KindTypes } from './decode.js';
