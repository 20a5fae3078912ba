/** Pod status as the kubelet reports it, and its publication (status reports, events). */
export * from './event-policy.js';
export * from './events.js';
export * from './publisher.js';
export * from './status.js';
