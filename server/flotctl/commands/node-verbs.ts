/** The node verbs — taint, cordon, uncordon, drain — registered together. */
import type { Command } from 'commander';
import type { CliIO } from '../io.js';
import { registerCordon, registerUncordon } from './cordon.js';
import { registerDrain } from './drain.js';
import { registerTaint } from './taint.js';

export function registerNodeVerbs(program: Command, io: CliIO): void {
  registerTaint(program, io);
  registerCordon(program, io);
  registerUncordon(program, io);
  registerDrain(program, io);
}
