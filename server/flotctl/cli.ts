/** flotctl's program: global flags, the verb groups, and errors turned into exit codes. */
import { Command, CommanderError } from 'commander';
import { COMMANDS, type RegisterCommand } from './commands/index.js';
import { formatError } from './errors.js';
import type { CliIO } from './io.js';

export function buildProgram(io: CliIO, commands: readonly RegisterCommand[] = COMMANDS): Command {
  const program = new Command('flotctl');
  program
    .description("Control a Flotilla hub: kubectl's verbs for fleets of edge devices")
    .option('--kubeconfig <path>', 'kubeconfig file (default: $KUBECONFIG, else ~/.kube/config)')
    .option('--context <name>', 'kubeconfig context to use (default: current-context)')
    .option('-n, --namespace <namespace>', "namespace (default: the context's namespace, else default)")
    .option('--request-timeout <duration>', 'give up on a request after this long, e.g. 10s, 1m (0 = no limit)')
    .configureOutput({
      writeOut: (s) => void io.stdout.write(s),
      writeErr: (s) => void io.stderr.write(s),
    })
    .exitOverride()
    .showSuggestionAfterError(true);
  for (const register of commands) register(program, io);
  return program;
}

/** Runs flotctl with `argv` (without node and script); resolves to the exit code. */
export async function main(argv: string[], io: CliIO): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (e: unknown) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 1;
    io.stderr.write(formatError(e));
    return 1;
  }
}
