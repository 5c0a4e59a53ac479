import { FlagValueError, type FlagDef } from './flag';

/** A set of flag declarations keyed by camelCase name. */
export type FlagDefs = Record<string, FlagDef<unknown>>;

/** The parsed config for a set of declarations. */
export type ConfigOf<D extends FlagDefs> = { [K in keyof D]: D[K] extends FlagDef<infer T> ? T : never };

/** Every problem found in argv/env, one per line, each naming the flag or env variable. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
    this.name = 'ConfigError';
  }
}

/** Thrown when `--help` or `-h` is present; `text` is the help to print. */
export class HelpRequested extends Error {
  constructor(readonly text: string) {
    super('help requested');
  }
}

/** What a program declares about its command line. */
export interface ProgramSpec<D extends FlagDefs> {
  /** Binary name, e.g. `wirekube-relay`. */
  name: string;
  /** One paragraph for --help. */
  summary: string;
  /** Prefix of derived env variable names, e.g. `WIREKUBE_RELAY`. */
  envPrefix: string;
  flags: D;
  /** Usage of positional arguments for --help, e.g. `[serve]`. */
  positionals?: string;
}

/** A parsed command line. */
export interface ParsedConfig<D extends FlagDefs> {
  config: ConfigOf<D>;
  positionals: string[];
}

/** `listenPort` → `listen-port`. */
export function flagName(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** The env variable a flag reads: its explicit `env`, or PREFIX_SNAKE_NAME. */
export function envName(spec: { envPrefix: string }, key: string, def: FlagDef<unknown>): string {
  return def.env ?? `${spec.envPrefix}_${flagName(key).replace(/-/g, '_').toUpperCase()}`;
}

/**
 * Parses `argv` (without node and script) and `env` into a typed config. Precedence: flag, then
 * env variable, then default. Collects every problem before throwing one {@link ConfigError}; throws
 * {@link HelpRequested} for `--help`. Pure: reads nothing but its arguments.
 */
export function parseConfig<D extends FlagDefs>(
  spec: ProgramSpec<D>,
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): ParsedConfig<D> {
  if (argv.includes('--help') || argv.includes('-h')) throw new HelpRequested(helpText(spec));
  const byName = new Map(Object.keys(spec.flags).map((k) => [flagName(k), k]));
  const raw = new Map<string, string>();
  const positionals: string[] = [];
  const problems: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('--')) {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    const key = byName.get(name);
    if (!key) {
      problems.push(`--${name}: unknown flag${suggest(name, [...byName.keys()])}`);
      continue;
    }
    if (eq >= 0) raw.set(key, arg.slice(eq + 1));
    else if (spec.flags[key].switch) raw.set(key, 'true');
    else if (i + 1 < argv.length) raw.set(key, argv[++i]);
    else problems.push(`--${name}: missing value`);
  }
  const config: Record<string, unknown> = {};
  for (const [key, def] of Object.entries(spec.flags)) {
    const envVar = envName(spec, key, def);
    const fromFlag = raw.get(key);
    const fromEnv = env[envVar];
    const source = fromFlag !== undefined ? `--${flagName(key)}` : fromEnv !== undefined ? envVar : undefined;
    if (source === undefined) {
      config[key] = def.default;
      continue;
    }
    try {
      config[key] = def.parse((fromFlag ?? fromEnv) as string);
    } catch (err) {
      if (!(err instanceof FlagValueError)) throw err;
      problems.push(`${source}: ${err.message}`);
    }
  }
  if (problems.length) throw new ConfigError(problems);
  return { config: config as ConfigOf<D>, positionals };
}

/** The --help text: summary, usage, and every flag with its env variable and default. */
export function helpText<D extends FlagDefs>(spec: ProgramSpec<D>): string {
  const lines = [`${spec.name} — ${spec.summary}`, '', `Usage: ${spec.name} ${spec.positionals ? `${spec.positionals} ` : ''}[flags]`, '', 'Flags:'];
  for (const [key, def] of Object.entries(spec.flags)) {
    lines.push(`  --${flagName(key)}${def.switch ? '' : ' <value>'}`);
    lines.push(`      ${def.description}`);
    lines.push(`      env: ${envName(spec, key, def)}   default: ${def.show(def.default)}`);
  }
  lines.push('  -h, --help', '      Print this help and exit.');
  return lines.join('\n');
}

function suggest(name: string, known: string[]): string {
  const close = known.find((k) => k.includes(name) || name.includes(k));
  return close ? ` (did you mean --${close}?)` : '';
}
