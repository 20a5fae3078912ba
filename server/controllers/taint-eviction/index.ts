export { TAINT_EVICTION_COMPONENT, taintEvictionController, type TaintEvictionDeps } from './controller.js';
export { planEvictions, planPodEviction, type EvictionDecision } from './plan.js';
