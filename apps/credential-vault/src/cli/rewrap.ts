// Re-wraps every stored secret's data key under the active master key (the
// first of VAULT_MASTER_KEYS) and re-peppers API key hashes under it, after a
// rotation (and, once after upgrading, peppers API key hashes stored as plain SHA-256):
//   1. put the new key first in VAULT_MASTER_KEYS, keep the old ones; restart the vault
//   2. npm run rewrap [-- --batch-size 200]
//   3. when it reports nothing pending, drop the old keys
// Resumable (it only touches records not under the active key) and safe
// while the vault serves traffic (row locks, version checks).
// Environment: DATABASE_URL, VAULT_MASTER_KEYS.
import { parseArgs } from 'node:util';
import { Presets, SingleBar } from 'cli-progress';
import { DataSource } from 'typeorm';
import { z } from 'zod';
import { ConfigError, infrastructureEnv, loadConfig } from '@app/config';
import { dataSourceOptions } from '@app/database';
import { ApiKeyPepper } from '../crypto/api-key-pepper';
import { EnvelopeCipher } from '../crypto/envelope-cipher';
import { LocalKeyring } from '../crypto/local-keyring';
import { masterKeysSchema } from '../crypto/master-keys';
import type { RewrapTarget } from '../crypto/rewrap-target';
import { vaultDatabase } from '../vault.database';
import { rewrapTargets } from './rewrap-targets';

export interface RewrapIo {
  out(line: string): void;
  err(line: string): void;
  /** Where the progress bar draws; it stays quiet when this is not a terminal. */
  progress?: NodeJS.WritableStream;
}

const rewrapEnv = infrastructureEnv.pick({ DATABASE_URL: true }).extend({ VAULT_MASTER_KEYS: masterKeysSchema });

const USAGE = 'usage: rewrap [--batch-size <1-5000>]\nenvironment: DATABASE_URL, VAULT_MASTER_KEYS (the first key is the one records are re-wrapped under)';
const EX_USAGE = 64;
const EX_CONFIG = 78;

export interface RewrapReport {
  target: string;
  rewrapped: number;
  failed: Array<{ id: string; reason: string }>;
  pending: number;
}

/** Runs the command; resolves to the process exit code (0 when nothing is left under an old key). */
export async function runRewrap(argv: string[], env: NodeJS.ProcessEnv = process.env, io: RewrapIo = consoleIo): Promise<number> {
  let batchSize: number;
  try {
    const { values } = parseArgs({ args: argv, options: { 'batch-size': { type: 'string' }, help: { type: 'boolean' } }, strict: true });
    if (values.help) {
      io.out(USAGE);
      return 0;
    }
    batchSize = z.coerce.number().int().min(1).max(5000).default(200).parse(values['batch-size']);
  } catch (error) {
    io.err(`${error instanceof z.ZodError ? '--batch-size must be a whole number from 1 to 5000' : (error as Error).message}\n${USAGE}`);
    return EX_USAGE;
  }
  let config: z.infer<typeof rewrapEnv>;
  try {
    config = loadConfig(rewrapEnv, env);
  } catch (error) {
    if (error instanceof ConfigError) {
      io.err(error.message);
      return EX_CONFIG;
    }
    throw error;
  }
  const cipher = new EnvelopeCipher(new LocalKeyring(config.VAULT_MASTER_KEYS));
  const dataSource = new DataSource(dataSourceOptions({ ...vaultDatabase(config), poolSize: 2 }));
  await dataSource.initialize();
  try {
    const actor = `cli:rewrap@${env.USER ?? env.USERNAME ?? 'unknown'}`;
    const reports: RewrapReport[] = [];
    for (const target of rewrapTargets(dataSource, new ApiKeyPepper(config.VAULT_MASTER_KEYS))) reports.push(await rewrapTarget(target, cipher, batchSize, actor, io));
    for (const r of reports) {
      io.out(`${r.target}: ${r.rewrapped} re-wrapped under "${cipher.activeKeyId}", ${r.failed.length} failed, ${r.pending} still under an older key`);
      for (const f of r.failed) io.err(`  ${r.target} ${f.id}: ${f.reason}`);
    }
    return reports.every((r) => r.pending === 0) ? 0 : 1;
  } finally {
    await dataSource.destroy();
  }
}

/** Passes over the target until nothing is pending or a pass makes no progress (only unopenable or busy records left). */
export async function rewrapTarget(target: RewrapTarget, cipher: EnvelopeCipher, batchSize: number, actor: string, io: RewrapIo): Promise<RewrapReport> {
  const total = await target.countPending(cipher.activeKeyId);
  const bar = new SingleBar(
    { stream: io.progress ?? process.stderr, format: `${target.name} [{bar}] {value}/{total} {percentage}% | eta {eta_formatted}`, hideCursor: true },
    Presets.shades_classic,
  );
  bar.start(total, 0);
  const failed = new Map<string, string>();
  let rewrapped = 0;
  let pending = total;
  try {
    while (pending > 0) {
      let progress = 0;
      let after: string | undefined;
      do {
        const batch = await target.rewrapBatch(cipher, batchSize, after, actor);
        progress += batch.rewrapped;
        rewrapped += batch.rewrapped;
        for (const f of batch.failed) failed.set(f.id, f.reason);
        bar.update(Math.min(rewrapped, total));
        after = batch.next;
      } while (after);
      pending = await target.countPending(cipher.activeKeyId);
      if (progress === 0) break;
      // Records written meanwhile by an older replica still count; the bar grows with them.
      if (rewrapped + pending > total) bar.setTotal(rewrapped + pending);
    }
  } finally {
    bar.stop();
  }
  return { target: target.name, rewrapped, failed: [...failed].map(([id, reason]) => ({ id, reason })), pending };
}

const consoleIo: RewrapIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

if (require.main === module) {
  runRewrap(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`rewrap failed: ${(error as Error).message}\n`);
      process.exit(1);
    },
  );
}
