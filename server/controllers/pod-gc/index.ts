export { podGcController, POD_GC_COMPONENT, type PodGcDeps } from './controller.js';
export { DEFAULT_POD_GC_CONFIG, planPodGc, type PodGcConfig, type PodGcStep } from './plan.js';
