import { execFile } from 'node:child_process';

/** Runs a command to completion (no shell); rejects on a non-zero exit. Bench-only helper. */
export function run(argv: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(argv[0]!, argv.slice(1), (err) => (err ? reject(err) : resolve()));
  });
}
