/** The agent's configuration: flags (cli.ts) over config.json over defaults, resolved and checked once (resolve.ts). */
export * from './types.js';
export * from './resolve.js';
export * from './cli.js';
