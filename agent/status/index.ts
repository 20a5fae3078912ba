/** Node status reporting over the link: heartbeats, full statuses, the runtime probe. */
export * from './runtime-probe.js';
export * from './reporter.js';
