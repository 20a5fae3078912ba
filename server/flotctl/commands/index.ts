/**
 * Every verb group flotctl has, one file each. A new group (token, node,
 * taint, cordon/uncordon, drain, logs) adds its file here.
 */
import type { Command } from 'commander';
import type { CliIO } from '../io.js';
import { registerApply } from './apply.js';
import { registerDelete } from './delete.js';
import { registerDescribe } from './describe.js';
import { registerFlash } from './flash.js';
import { registerGet } from './get.js';
import { registerImage } from './image.js';
import { registerJoinCommand } from './join-command.js';
import { registerAnnotate, registerLabel } from './label.js';
import { registerLogs } from './logs.js';
import { registerNodeVerbs } from './node-verbs.js';
import { registerNode } from './node.js';
import { registerRollout } from './rollout.js';
import { registerToken } from './token.js';

export type RegisterCommand = (program: Command, io: CliIO) => void;

export const COMMANDS: readonly RegisterCommand[] = [
  registerGet,
  registerDescribe,
  registerApply,
  registerDelete,
  registerLabel,
  registerAnnotate,
  registerToken,
  registerNode,
  registerNodeVerbs,
  registerLogs,
  registerRollout,
  registerImage,
  registerFlash,
  registerJoinCommand,
];
