import { constants as fsc } from 'node:fs';
import { mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { WireKubeError } from '@wirekube/util';
import { generatePrivateKey, InvalidKeyError, publicKeyOf, WgKey } from './key';

/**
 * A key file exists but cannot be used: unreadable, not a WireGuard private key, or too widely
 * readable. The file is left exactly as it was; an operator has to look at it.
 */
export class KeyFileError extends WireKubeError {
  constructor(
    readonly path: string,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super('key-file', `WireGuard key file ${path}: ${reason}`, options);
  }
}

/** The node's key pair as loaded from (or first written to) disk. */
export interface NodeKeys {
  privateKey: WgKey;
  publicKey: WgKey;
  /** True when this call generated the key because no file existed. */
  created: boolean;
}

/**
 * Loads the node's private key from `path`, generating and persisting one only when the file does
 * not exist. The file holds the base64 key and a newline, as `wg genkey > file` writes it, so an
 * operator can also provision it with `wg genkey`.
 *
 * Never replaces a file it cannot parse — a corrupt or foreign file throws {@link KeyFileError}
 * (silently rotating the key would cut the node off from every peer). A file readable by group or
 * others is rejected too. New files are written atomically (temp file, fsync, rename) with mode
 * 0600, so a crash leaves either no key or a whole one.
 */
export async function loadOrCreateKey(path: string): Promise<NodeKeys> {
  const existing = await readKeyFile(path);
  if (existing) return { privateKey: existing, publicKey: publicKeyOf(existing), created: false };
  const privateKey = generatePrivateKey();
  await writeKeyFile(path, privateKey);
  return { privateKey, publicKey: publicKeyOf(privateKey), created: true };
}

/** Reads a private key file; `undefined` when it does not exist, {@link KeyFileError} when unusable. */
export async function readKeyFile(path: string): Promise<WgKey | undefined> {
  let text: string;
  try {
    const st = await stat(path);
    if (!st.isFile()) throw new KeyFileError(path, 'not a regular file');
    if ((st.mode & 0o077) !== 0) {
      throw new KeyFileError(path, `mode ${(st.mode & 0o777).toString(8)} is readable by others; expected 600`);
    }
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    if (err instanceof KeyFileError) throw err;
    throw new KeyFileError(path, 'cannot be read', { cause: err });
  }
  try {
    return WgKey.fromBase64(text.trim());
  } catch (err) {
    if (err instanceof InvalidKeyError) throw new KeyFileError(path, 'does not contain a base64 WireGuard private key', { cause: err });
    throw err;
  }
}

/**
 * Writes `key` to `path` atomically with mode 0600, creating the directory (0700) if needed.
 * Overwrites an existing file — callers that must not replace a key use {@link loadOrCreateKey}.
 */
export async function writeKeyFile(path: string, key: WgKey): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const tmp = join(dir, `.${basename(path)}.${process.pid}.tmp`);
  try {
    const fh = await open(tmp, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_TRUNC, 0o600);
    try {
      await fh.chmod(0o600); // a umask can only narrow the mode; be explicit anyway
      await fh.writeFile(`${key.toBase64()}\n`);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw new KeyFileError(path, 'cannot be written', { cause: err });
  }
  await syncDir(dir);
}

/** Removes the key file (part of the explicit cleanup); a missing file is not an error. */
export async function removeKeyFile(path: string): Promise<void> {
  await rm(path, { force: true });
}

// The rename is durable only once the directory entry is on disk.
async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, fsc.O_RDONLY);
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

