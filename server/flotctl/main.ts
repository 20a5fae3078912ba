#!/usr/bin/env node
/** flotctl's entry: runs the CLI with the process's streams, environment and SIGINT. */
import { main } from './cli.js';

const interrupt = new AbortController();
process.once('SIGINT', () => interrupt.abort());

const code = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
  signal: interrupt.signal,
});
process.exitCode = code;
// A finished command leaves nothing to wait for; stdin or a keep-alive socket must not hold the process.
process.stdin.unref?.();
