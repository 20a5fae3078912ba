/** Node status reporting: host probe → readings → status, conditions, labels, digest. */
export * from './types.js';
export * from './config.js';
export * from './host-probe.js';
export * from './readings.js';
export * from './node-status.js';
export * from './conditions.js';
export * from './status-digest.js';
export * from './collector.js';
