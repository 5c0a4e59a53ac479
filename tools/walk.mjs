// Recursive file listing for the tool scripts (Node 20 has no fs.globSync).
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';

/** Returns the paths under `dir` (relative to it, sorted) whose names end with `suffix`. */
export function walk(dir, suffix) {
  const out = [];
  const visit = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) {
        if (e.name !== 'node_modules' && e.name !== 'dist') visit(p);
      } else if (e.name.endsWith(suffix)) out.push(relative(dir, p));
    }
  };
  try {
    visit(dir);
  } catch (err) {
    if (err.code !== 'ENOENT') throw err;
  }
  return out.sort();
}
