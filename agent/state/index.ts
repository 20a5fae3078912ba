/** The agent's persisted state: the verified desired-state cache. nedb is imported only here. */
export * from './desired-cache.js';
