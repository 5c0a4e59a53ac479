/**
 * A small reader for the Containerfile (Dockerfile syntax): enough to check its inputs, not a
 * builder. Handles line continuations, comments, `ARG` defaults in `FROM`, stages and the
 * `COPY [--from=stage] src... dest` form.
 */

/** One `COPY` instruction. `from` is the stage name, or undefined for the build context. */
export interface CopyStep {
  from?: string;
  sources: string[];
  dest: string;
  line: number;
}

/** One build stage. */
export interface Stage {
  name?: string;
  image: string;
  workdir: string;
  copies: CopyStep[];
  runs: string[];
}

/** Joins continuation lines and drops comments; returns [line number, text] pairs. */
function logicalLines(text: string): Array<[number, string]> {
  const out: Array<[number, string]> = [];
  let buf = '';
  let start = 0;
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (buf === '' && (line === '' || line.startsWith('#'))) return;
    if (buf === '') start = i + 1;
    if (line.endsWith('\\')) buf += `${line.slice(0, -1)} `;
    else {
      out.push([start, buf + line]);
      buf = '';
    }
  });
  if (buf) out.push([start, buf]);
  return out;
}

/** Parses a Containerfile into its stages. Throws on instructions outside a stage. */
export function parseContainerfile(text: string): Stage[] {
  const args = new Map<string, string>();
  const stages: Stage[] = [];
  for (const [line, l] of logicalLines(text)) {
    const [instr, ...rest] = l.split(/\s+/);
    const op = instr.toUpperCase();
    const stage = stages.at(-1);
    if (op === 'ARG' && !stage) {
      const [k, v = ''] = rest[0].split('=');
      args.set(k, v);
    } else if (op === 'FROM') {
      const image = rest[0].replace(/\$\{(\w+)\}|\$(\w+)/g, (_, a, b) => args.get(a ?? b) ?? '');
      const as = rest.findIndex((w) => w.toUpperCase() === 'AS');
      stages.push({ image, name: as >= 0 ? rest[as + 1] : undefined, workdir: '/', copies: [], runs: [] });
    } else if (!stage) {
      throw new Error(`line ${line}: ${op} before FROM`);
    } else if (op === 'WORKDIR') {
      stage.workdir = rest[0];
    } else if (op === 'RUN') {
      stage.runs.push(rest.join(' '));
    } else if (op === 'COPY') {
      const from = rest.find((w) => w.startsWith('--from='))?.slice('--from='.length);
      const paths = rest.filter((w) => !w.startsWith('--'));
      if (paths.length < 2) throw new Error(`line ${line}: COPY needs a source and a destination`);
      stage.copies.push({ from, sources: paths.slice(0, -1), dest: paths.at(-1) as string, line });
    }
  }
  return stages;
}

/** Absolute path of a COPY destination inside the image. */
export function destPath(stage: Stage, dest: string): string {
  return dest.startsWith('/') ? dest : `${stage.workdir.replace(/\/$/, '')}/${dest}`;
}
