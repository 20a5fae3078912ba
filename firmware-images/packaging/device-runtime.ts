/**
 * How a device runs the bundled agent: the Node.js flags and environment the systemd unit and
 * the wrapper script use, chosen for memory (the agent is I/O-bound: a few messages a minute).
 * `npm run bench` measures the bundle with and without them.
 */

/**
 * --lite-mode: no optimising compiler and lazily allocated feedback (about 7 MiB less RSS: fewer
 * pages of the runtime touched, smaller heap); the agent never runs hot loops.
 * --no-expose-wasm: lite mode turns WebAssembly off anyway (the agent uses none); saying so
 * silences V8's "disabling flag --expose_wasm" warning at every start.
 * --max-semi-space-size=1: a 1 MiB young generation instead of 16 MiB; more frequent, tiny scavenges.
 */
export const DEVICE_NODE_FLAGS: readonly string[] = ['--lite-mode', '--no-expose-wasm', '--max-semi-space-size=1'];

/** glibc makes one malloc arena per thread that allocates; two are plenty for the agent. */
export const DEVICE_NODE_ENV: Readonly<Record<string, string>> = { MALLOC_ARENA_MAX: '2' };
