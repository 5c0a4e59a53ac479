import { writeFileSync } from 'node:fs';
import { meshGraph, renderDot, renderSvg } from '../graph';
import { CliError } from '../mesh-source';
import { printJson, type CommandContext } from './context';

/** `wirekubectl graph [--format svg|dot] [--out FILE]`; `--output json` prints the graph model. */
export async function graphCommand(ctx: CommandContext): Promise<number> {
  if (ctx.args.length) throw new CliError('usage', `graph takes no arguments (use --out FILE), got ${ctx.args.join(' ')}`, 2);
  const g = meshGraph(await ctx.source().peers());
  if (ctx.config.output === 'json') {
    printJson(ctx, g);
    return 0;
  }
  const text = ctx.config.format === 'dot' ? renderDot(g) : renderSvg(g);
  if (!ctx.config.out) {
    ctx.out(text);
    return 0;
  }
  try {
    writeFileSync(ctx.config.out, text);
  } catch (err) {
    throw new CliError('write-failed', `cannot write ${ctx.config.out}: ${(err as Error).message}`, 1, { cause: err });
  }
  const direct = g.edges.filter((e) => e.path === 'direct').length;
  ctx.out(`wrote ${ctx.config.out}: ${g.nodes.length} nodes, ${direct} direct and ${g.edges.length - direct} other pairs\n`);
  return 0;
}
