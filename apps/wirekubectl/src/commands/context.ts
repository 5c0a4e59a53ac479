import type { CliConfig } from '../config';
import type { MeshSource } from '../mesh-source';

/** What every command gets: its config and arguments, where to print, where the mesh is. */
export interface CommandContext {
  config: CliConfig;
  /** Positional arguments after the command name. */
  args: string[];
  /** Writes to stdout. */
  out(text: string): void;
  /** The mesh source, created on first use (commands that never touch the API need no kubeconfig). */
  source(): MeshSource;
  nowMs(): number;
}

/** Prints `value` as indented JSON. */
export function printJson(ctx: CommandContext, value: unknown): void {
  ctx.out(`${JSON.stringify(value, null, 2)}\n`);
}
