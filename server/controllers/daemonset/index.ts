export { daemonSetController, DAEMONSET_CONTROLLER_COMPONENT, type DaemonSetControllerDeps } from './controller.js';
export { ROLLOUT_STATUS_ANNOTATION } from './plan.js';
