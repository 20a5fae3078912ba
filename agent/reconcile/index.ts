/**
 * Running the desired state on the device: pod model and container specs (pure), the planner
 * (pure), executors, and the loop that ties them to the engine, the probes and the hub.
 */
export * from './backoff.js';
export * from './container-spec.js';
export * from './desired.js';
export * from './env.js';
export * from './loop.js';
export * from './memory.js';
export * from './naming.js';
export * from './planner.js';
export * from './pod-model.js';
export * from './types.js';
export * from './wiring.js';
