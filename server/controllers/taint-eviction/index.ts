export { nodesToQueue, startTaintEvictionController, TAINT_EVICTION_COMPONENT, type TaintEvictionDeps } from './controller.js';
export { planEvictions, planPodEviction, type EvictionDecision } from './plan.js';
