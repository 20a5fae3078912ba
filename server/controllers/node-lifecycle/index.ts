export { NODE_CONTROLLER_COMPONENT, nodeLifecycleController, type NodeLifecycleDeps } from './controller.js';
export { DEFAULT_NODE_LIFECYCLE_CONFIG, LIFECYCLE_TAINTS, planNodeLifecycle, type NodeLifecycleConfig, type NodeLifecyclePlan } from './plan.js';
