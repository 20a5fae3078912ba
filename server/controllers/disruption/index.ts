export { disruptionController, type DisruptionDeps } from './controller.js';
export { planPdbStatus, type ControllerScale, type PdbPlan } from './plan.js';
