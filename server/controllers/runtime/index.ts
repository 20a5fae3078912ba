export { isKind, ObjectCache, type CachedKind, type CacheReader, type KindMap } from './cache.js';
export { identityNode, keyOf, nodesReferencing, ownKey, podNodes } from './maps.js';
export { podReferences, type References } from './pod-references.js';
export { ControllerRuntime, type RuntimeDeps, type WatchableStore } from './runtime.js';
export type { Controller, ReconcileContext, ReconcileResult, Source, Watch } from './types.js';
