/**
 * Every flag and environment variable a deploy/ manifest hands to a WireKube binary must be one
 * that binary's own config parser accepts: a renamed flag would otherwise surface only as a
 * crash-looping pod on someone's cluster. The manifests are rendered with the real
 * `kubectl kustomize`; the parsers are the apps' exported program specs plus the runtime's
 * common flags, exactly as runService assembles them.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { ConfigError, commonFlags, envName, parseConfig, type FlagDefs, type ProgramSpec } from '@wirekube/runtime';
// Apps are not importable as packages (Nx forbids importing apps); this suite exists to read
// exactly their exported flag specs, so it imports them by path, deliberately.
// eslint-disable-next-line @nx/enforce-module-boundaries
import { agentProgram } from '../../../../apps/agent/src/config';
// eslint-disable-next-line @nx/enforce-module-boundaries
import { gatewayControllerProgram } from '../../../../apps/gateway-controller/src/config';
// eslint-disable-next-line @nx/enforce-module-boundaries
import { relayProgram } from '../../../../apps/relay/src/config';
// eslint-disable-next-line @nx/enforce-module-boundaries
import { stunProbeProgram } from '../../../../apps/stun-probe/src/config';

const DEPLOY = join(__dirname, '..', '..', '..', '..', 'deploy');

/** Binary → its program spec as the service sees it (own flags + common flags). */
const PROGRAMS: Record<string, ProgramSpec<FlagDefs>> = Object.fromEntries(
  (
    [
      [agentProgram, '0.0.0.0:9470'],
      [stunProbeProgram, '127.0.0.1:9472'],
      [relayProgram, '0.0.0.0:9473'],
      [gatewayControllerProgram, '0.0.0.0:9474'],
    ] as const
  ).map(([p, metricsAddress]) => [p.name, { ...p, flags: { ...p.flags, ...commonFlags({ metricsAddress }) } } as ProgramSpec<FlagDefs>]),
);

/**
 * Variables a container may carry that no WireKube flag reads, and who reads them instead.
 * Anything else that matches no flag is a typo or a leftover.
 */
const FOREIGN_ENV: Record<string, string> = {
  KUBERNETES_SERVICE_HOST: 'client-node in-cluster config (EKS hybrid: the public API endpoint)',
  KUBERNETES_SERVICE_PORT: 'client-node in-cluster config',
  NODE_OPTIONS: 'Node.js itself (checked by starting this Node with it)',
};

/** Why Node refuses `options` in NODE_OPTIONS, or undefined when it starts with them. */
function nodeOptionsProblem(options: string): string | undefined {
  try {
    execFileSync(process.execPath, ['-e', ''], { env: { ...process.env, NODE_OPTIONS: options }, stdio: 'pipe', timeout: 30_000 });
    return undefined;
  } catch (err) {
    const first = String((err as { stderr?: Buffer }).stderr ?? err).trim().split('\n')[0] ?? '';
    return `NODE_OPTIONS=${options}: ${first.replace(/^\S*node: /, '')}`;
  }
}

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { fieldRef?: { fieldPath: string } };
}
interface Container {
  name: string;
  command?: string[];
  args?: string[];
  env?: EnvVar[];
}

/** What the kubelet would put in a downward-API variable, for parsing. */
const FIELD_SAMPLES: Record<string, string> = { 'spec.nodeName': 'ip-10-0-1-23.ec2.internal', 'metadata.name': 'wirekube-relay-7d9f8c6b5-x2x9q' };

function render(dir: string): Array<{ ref: string; container: Container }> {
  const text = execFileSync('kubectl', ['kustomize', join(DEPLOY, dir)], { encoding: 'utf8', timeout: 60_000 });
  return parseAllDocuments(text)
    .map((d) => d.toJSON())
    .filter((o) => o.kind === 'DaemonSet' || o.kind === 'Deployment')
    .flatMap((o) => {
      const spec = o.spec.template.spec as { containers: Container[]; initContainers?: Container[] };
      return [...spec.containers, ...(spec.initContainers ?? [])].map((container) => ({ ref: `${dir}: ${o.kind}/${o.metadata.name}/${container.name}`, container }));
    });
}

/** Problems of one container's command line against its program, or [] when it parses. */
function checkContainer(c: Container, program: ProgramSpec<FlagDefs>): string[] {
  const env: Record<string, string> = {};
  const problems: string[] = [];
  const known = new Set(Object.entries(program.flags).map(([k, d]) => envName(program, k, d)));
  for (const e of c.env ?? []) {
    const value = e.value ?? (e.valueFrom?.fieldRef ? FIELD_SAMPLES[e.valueFrom.fieldRef.fieldPath] : undefined);
    if (value === undefined) problems.push(`${e.name}: no literal value or known fieldRef to check`);
    else env[e.name] = value;
    if (!known.has(e.name) && !FOREIGN_ENV[e.name]) problems.push(`${e.name}: no flag of ${program.name} reads this variable`);
    const refused = e.name === 'NODE_OPTIONS' && value !== undefined ? nodeOptionsProblem(value) : undefined;
    if (refused) problems.push(refused);
  }
  try {
    const { positionals } = parseConfig(program, c.args ?? [], env);
    const allowed: string[] = (program.positionals ?? '').match(/[a-z][a-z-]*/g) ?? [];
    for (const p of positionals) if (!allowed.includes(p)) problems.push(`positional "${p}" is not one of [${allowed.join(', ')}]`);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    problems.push(...err.problems);
  }
  return problems;
}

describe('deploy manifests pass only flags their binaries accept', () => {
  const dirs = ['base', ...readdirSync(join(DEPLOY, 'overlays')).map((d) => `overlays/${d}`)];

  for (const dir of dirs) {
    it(`${dir}: every container's args and env parse with its binary's config`, () => {
      const problems: string[] = [];
      const checked = new Set<string>();
      for (const { ref, container } of render(dir)) {
        const binary = container.command?.[0];
        if (binary === 'sh') continue; // the sysctl init container runs a shell, not a WireKube binary
        const program = binary ? PROGRAMS[binary] : undefined;
        if (!program) {
          problems.push(`${ref}: runs ${binary ?? '(no command)'}, which is not a WireKube binary`);
          continue;
        }
        checked.add(binary as string);
        problems.push(...checkContainer(container, program).map((p) => `${ref}: ${p}`));
      }
      assert.deepEqual(problems, []);
      assert.deepEqual([...checked].sort(), Object.keys(PROGRAMS).sort(), 'every WireKube binary is run by some container');
    });
  }

  it('catches a misspelt flag, a bad value, an unread variable, a Node option Node refuses and a stray positional', () => {
    const bad: Container = {
      name: 'agent',
      args: ['--mesh=default', '--status-interval=10ms'],
      env: [
        { name: 'WIREKUBE_AGENT_KEYFILE', value: '/k' },
        { name: 'NODE_OPTIONS', value: '--max-semi-space-size=2 --no-such-v8-flag' },
      ],
    };
    assert.deepEqual(checkContainer(bad, PROGRAMS['wirekube-agent']).sort(), [
      'NODE_OPTIONS=--max-semi-space-size=2 --no-such-v8-flag: --no-such-v8-flag is not allowed in NODE_OPTIONS',
      '--mesh: unknown flag (did you mean --mesh-name?)',
      '--status-interval: 10ms is shorter than 1000ms',
      'WIREKUBE_AGENT_KEYFILE: no flag of wirekube-agent reads this variable',
    ].sort());
    assert.deepEqual(checkContainer({ name: 'agent', args: ['join'] }, PROGRAMS['wirekube-agent']), ['positional "join" is not one of [cleanup]']);
  });
});
