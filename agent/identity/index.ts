/** The node's identity, the hub's key and the connect counter, as files in the data dir. */
export * from './connect-counter.js';
export * from './credentials.js';
export * from './files.js';
