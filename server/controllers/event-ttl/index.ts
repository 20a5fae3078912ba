export { eventTtlController, type EventTtlDeps } from './controller.js';
export { DEFAULT_EVENT_TTL_MS, lastObserved, planEventTtl, type EventTtlStep } from './plan.js';
