/** Pod volumes on the device: planning (pure), AtomicWriter projections, hostPath checks. */
export * from './atomic-writer.js';
export * from './host-path.js';
export * from './plan.js';
export * from './setup.js';
export * from './subpath.js';
export * from './host-path-policy.js';
