/**
 * The command dispatcher: parses flags once with the runtime's parser, runs one command and
 * turns every expected failure into one line on stderr and an exit code (2 for usage, 1 for the
 * rest). Nothing here touches the process: argv, env and output come in, the code goes out.
 */
import { ConfigError, HelpRequested, helpText, parseConfig } from '@wirekube/runtime';
import { errorMessage } from '@wirekube/util';
import { cleanupCommand, type CleanupDeps } from './commands/cleanup';
import type { CommandContext } from './commands/context';
import { doctorCommand, type DoctorDeps } from './commands/doctor';
import { explainCommand } from './commands/explain';
import { graphCommand } from './commands/graph';
import { netcheckCommand, type NetcheckDeps } from './commands/netcheck';
import { peersCommand } from './commands/peers';
import { statusCommand } from './commands/status';
import { wirekubectlProgram } from './config';
import { CliError, kubeMeshSource, type MeshSource } from './mesh-source';

/** Everything the CLI reaches outside itself. */
export interface CliDeps {
  env: Readonly<Record<string, string | undefined>>;
  out(text: string): void;
  err(text: string): void;
  nowMs(): number;
  /** Overrides the kubeconfig source (tests). */
  source?: MeshSource;
  netcheck?: NetcheckDeps;
  doctor?: DoctorDeps;
  cleanup?: CleanupDeps;
}

const COMMANDS = ['status', 'peers', 'netcheck', 'explain', 'graph', 'doctor', 'cleanup'] as const;

/** Runs wirekubectl with `argv` (without node and script); resolves the exit code. */
export async function runCli(argv: readonly string[], deps: CliDeps): Promise<number> {
  let parsed;
  try {
    parsed = parseConfig(wirekubectlProgram, argv, deps.env);
  } catch (err) {
    if (err instanceof HelpRequested) {
      deps.out(`${err.text}\n`);
      return 0;
    }
    if (err instanceof ConfigError) {
      deps.err(`wirekubectl: ${err.problems.join('\nwirekubectl: ')}\n`);
      return 2;
    }
    throw err;
  }
  const [command, ...args] = parsed.positionals;
  if (!command) {
    deps.err(`wirekubectl: no command given\n\n${helpText(wirekubectlProgram)}\n`);
    return 2;
  }
  if (!(COMMANDS as readonly string[]).includes(command)) {
    deps.err(`wirekubectl: unknown command "${command}" (commands: ${COMMANDS.join(', ')}; see --help)\n`);
    return 2;
  }
  const config = parsed.config;
  let source = deps.source;
  const ctx: CommandContext = {
    config,
    args,
    out: deps.out,
    nowMs: deps.nowMs,
    source: () => (source ??= kubeMeshSource({ kubeconfig: config.kubeconfig, context: config.context, timeoutMs: config.timeout })),
  };
  try {
    switch (command as (typeof COMMANDS)[number]) {
      case 'status':
        return await statusCommand(ctx);
      case 'peers':
        return await peersCommand(ctx);
      case 'netcheck':
        return await netcheckCommand(ctx, deps.netcheck);
      case 'explain':
        return await explainCommand(ctx);
      case 'graph':
        return await graphCommand(ctx);
      case 'doctor':
        return await doctorCommand(ctx, deps.doctor);
      case 'cleanup':
        return await cleanupCommand(ctx, deps.cleanup);
    }
  } catch (err) {
    if (err instanceof CliError) {
      deps.err(`wirekubectl ${command}: ${err.message}\n`);
      return err.exitCode;
    }
    deps.err(`wirekubectl ${command}: unexpected failure: ${errorMessage(err)}\n`);
    return 1;
  }
}
