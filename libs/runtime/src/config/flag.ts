/**
 * Typed command-line flags. A flag is declared once with its default, env variable and a parser;
 * {@link parseConfig} turns argv + env into a validated config object and `helpText` documents it.
 */

/** Thrown by a flag parser: the message says what is wrong with the value, not where it came from. */
export class FlagValueError extends Error {}

/** The declaration of one flag. `T` is the parsed type. */
export interface FlagDef<T> {
  /** One line for --help. */
  description: string;
  /** The value when neither the flag nor its env variable is set. */
  default: T;
  /** Env variable name; derived from the program prefix and flag name when omitted. */
  env?: string;
  /** True for boolean switches, which may be given without a value. */
  switch?: boolean;
  /** Turns the raw text into a value or throws {@link FlagValueError}. */
  parse(raw: string): T;
  /** Renders a value for --help. */
  show(value: T): string;
}

interface Common<T> {
  description: string;
  default: T;
  env?: string;
}

const showString = (v: string) => (v === '' ? '""' : v);

/** Free text, optionally constrained by a regular expression. */
export function stringFlag(o: Common<string> & { pattern?: RegExp; patternHint?: string }): FlagDef<string> {
  return {
    ...o,
    parse(raw) {
      if (o.pattern && raw !== '' && !o.pattern.test(raw)) {
        throw new FlagValueError(`"${raw}" is not ${o.patternHint ?? `matching ${o.pattern}`}`);
      }
      return raw;
    },
    show: showString,
  };
}

/** An integer within [min, max]. */
export function intFlag(o: Common<number> & { min?: number; max?: number }): FlagDef<number> {
  return {
    ...o,
    parse(raw) {
      if (!/^-?\d+$/.test(raw.trim())) throw new FlagValueError(`"${raw}" is not an integer`);
      const n = Number(raw);
      if (o.min !== undefined && n < o.min) throw new FlagValueError(`${n} is below the minimum ${o.min}`);
      if (o.max !== undefined && n > o.max) throw new FlagValueError(`${n} is above the maximum ${o.max}`);
      return n;
    },
    show: String,
  };
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** A duration given as `250ms`, `5s`, `2m`, `1h` or a bare number of milliseconds; parsed to ms. */
export function durationFlag(o: Common<number> & { minMs?: number; maxMs?: number }): FlagDef<number> {
  return {
    ...o,
    parse(raw) {
      const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(raw.trim());
      if (!m) throw new FlagValueError(`"${raw}" is not a duration (examples: 500ms, 5s, 2m)`);
      const ms = Math.round(Number(m[1]) * DURATION_UNITS[m[2] ?? 'ms']);
      if (o.minMs !== undefined && ms < o.minMs) throw new FlagValueError(`${raw} is shorter than ${o.minMs}ms`);
      if (o.maxMs !== undefined && ms > o.maxMs) throw new FlagValueError(`${raw} is longer than ${o.maxMs}ms`);
      return ms;
    },
    show: (v) => `${v}ms`,
  };
}

/** A boolean switch: `--x`, `--x=true|false|1|0|yes|no`. */
export function boolFlag(o: Common<boolean>): FlagDef<boolean> {
  return {
    ...o,
    switch: true,
    parse(raw) {
      const v = raw.trim().toLowerCase();
      if (['true', '1', 'yes', 'on'].includes(v)) return true;
      if (['false', '0', 'no', 'off'].includes(v)) return false;
      throw new FlagValueError(`"${raw}" is not a boolean (true/false)`);
    },
    show: String,
  };
}

/** One of a fixed set of words. */
export function enumFlag<const V extends string>(o: Common<V> & { values: readonly V[] }): FlagDef<V> {
  return {
    ...o,
    parse(raw) {
      if (!(o.values as readonly string[]).includes(raw)) {
        throw new FlagValueError(`"${raw}" is not one of ${o.values.join(', ')}`);
      }
      return raw as V;
    },
    show: String,
  };
}

/** A comma-separated list; each item is checked by `item` (throwing FlagValueError). Empty text is []. */
export function listFlag(o: Common<string[]> & { item?: (s: string) => void }): FlagDef<string[]> {
  return {
    ...o,
    parse(raw) {
      const items = raw.split(',').map((s) => s.trim()).filter((s) => s !== '');
      items.forEach((s) => o.item?.(s));
      return items;
    },
    show: (v) => (v.length ? v.join(',') : '""'),
  };
}

/** `host:port` (IPv6 hosts in brackets), port 0–65535; empty text allowed when `optional`. */
export function hostPortFlag(o: Common<string> & { optional?: boolean }): FlagDef<string> {
  return {
    ...o,
    parse(raw) {
      if (raw === '' && o.optional) return raw;
      checkHostPort(raw);
      return raw;
    },
    show: showString,
  };
}

/** Throws FlagValueError unless `s` is `host:port`. Exported for list items. */
export function checkHostPort(s: string): void {
  const m = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(s);
  if (!m || Number(m[2]) > 65535) throw new FlagValueError(`"${s}" is not host:port`);
}
