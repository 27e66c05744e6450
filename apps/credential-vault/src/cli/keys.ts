// Operators' API key tool.
//   npm run keys -- create <handle> --scopes a,b [--platforms p1,p2] [--alias x] [--json]
//   npm run keys -- list [--json]
//   npm run keys -- revoke <handle>
//   npm run keys -- disable-bootstrap
// Two ways to reach the keys:
// - over HTTP, through a running vault, with an admin key: VAULT_URL and
//   VAULT_ADMIN_API_KEY (or BOOTSTRAP_ADMIN_API_KEY);
// - straight to the database, when no admin key is set but VAULT_MASTER_KEYS
//   is: DATABASE_URL and VAULT_MASTER_KEYS, the vault's own access. This is how
//   the first admin key is made without a bootstrap key.
import os from 'node:os';
import { parseArgs } from 'node:util';
import { DataSource } from 'typeorm';
import { z } from 'zod';
import { authEnv, SCOPES, TokenExchangeError, TokenSource } from '@app/auth';
import { ConfigError, infrastructureEnv, loadConfig } from '@app/config';
import { dataSourceOptions } from '@app/database';
import { describeIssues, DomainError, serviceUrl } from '@app/http';
import { ApiKeyEntity } from '../api-keys/api-key.entity';
import { ApiKeyRevocation } from '../api-keys/api-key.revocation';
import { ApiKeysRepository } from '../api-keys/api-keys.repository';
import { ApiKeysService } from '../api-keys/api-keys.service';
import { BootstrapKeyRepository } from '../api-keys/bootstrap-key.repository';
import { createApiKeyBody } from '../api-keys/dto/create-api-key.dto';
import { ApiKeyPepper } from '../crypto/api-key-pepper';
import { EnvelopeCipher } from '../crypto/envelope-cipher';
import { LocalKeyring } from '../crypto/local-keyring';
import { masterKeysSchema } from '../crypto/master-keys';
import { vaultDatabase } from '../vault.database';

export interface CliOutput {
  out(line: string): void;
  err(line: string): void;
}

const cliEnv = authEnv.pick({ VAULT_URL: true }).extend({
  VAULT_ADMIN_API_KEY: z.string().min(1).optional(),
  BOOTSTRAP_ADMIN_API_KEY: z.string().min(1).optional(),
});
const directEnv = infrastructureEnv.pick({ DATABASE_URL: true }).extend({ VAULT_MASTER_KEYS: masterKeysSchema });

const USAGE = `usage:
  keys create <handle> --scopes <scope,...> [--platforms <platform id,...>] [--alias <text>] [--json]
  keys list [--json]
  keys revoke <handle>
  keys disable-bootstrap
scopes: ${SCOPES.join(', ')}
environment: VAULT_URL (default http://127.0.0.1:3002) with VAULT_ADMIN_API_KEY or BOOTSTRAP_ADMIN_API_KEY;
  or, with neither, DATABASE_URL and VAULT_MASTER_KEYS to work on the database directly`;

const EX_USAGE = 64;
const EX_CONFIG = 78;

class UsageError extends Error {}

interface KeyView {
  handle: string;
  alias: string | null;
  scopes: string[];
  platforms: string[] | null;
  prefix: string;
  createdAt: string;
  lastUsedAt: string | null;
  apiKey?: string;
}

/** Runs one command; resolves to the process exit code. */
export async function runKeysCli(argv: string[], env: NodeJS.ProcessEnv = process.env, io: CliOutput = consoleOutput): Promise<number> {
  let command: Command;
  try {
    command = parseCommand(argv);
  } catch (error) {
    io.err(`${(error as Error).message}\n${USAGE}`);
    return EX_USAGE;
  }
  if (command.name === 'help') {
    io.out(USAGE);
    return 0;
  }
  let backend: KeysBackend;
  try {
    backend = await backendFor(env);
  } catch (error) {
    if (error instanceof ConfigError) {
      io.err(error.message);
      return EX_CONFIG;
    }
    throw error;
  }
  try {
    await execute(command, backend, io);
    return 0;
  } catch (error) {
    io.err(error instanceof VaultRefusal || error instanceof TokenExchangeError ? error.message : `failed: ${(error as Error).message}`);
    return 1;
  } finally {
    await backend.close();
  }
}

/** What the commands need, over HTTP or straight on the database. */
interface KeysBackend {
  create(body: { handle: string; scopes: string[]; platforms?: string[]; alias?: string }): Promise<KeyView>;
  list(): Promise<KeyView[]>;
  revoke(handle: string): Promise<void>;
  disableBootstrap(): Promise<void>;
  close(): Promise<void>;
}

async function backendFor(env: NodeJS.ProcessEnv): Promise<KeysBackend> {
  const config = loadConfig(cliEnv, env);
  const adminKey = config.VAULT_ADMIN_API_KEY ?? config.BOOTSTRAP_ADMIN_API_KEY;
  if (adminKey) return httpBackend(config.VAULT_URL, adminKey);
  if (env.VAULT_MASTER_KEYS) return directBackend(loadConfig(directEnv, env), env);
  throw new ConfigError(
    'VAULT_ADMIN_API_KEY',
    'set it (or BOOTSTRAP_ADMIN_API_KEY) to an API key with the admin scope, or set VAULT_MASTER_KEYS and DATABASE_URL to work on the database directly',
  );
}

function httpBackend(vaultUrl: string, adminKey: string): KeysBackend {
  const vault = new VaultAdminClient(vaultUrl, new TokenSource({ vaultUrl, apiKey: adminKey }));
  return {
    create: (body) => vault.call<KeyView>('POST', '/v1/keys', body),
    list: async () => (await vault.call<{ keys: KeyView[] }>('GET', '/v1/keys')).keys,
    revoke: (handle) => vault.call('DELETE', `/v1/keys/${encodeURIComponent(handle)}`),
    disableBootstrap: () => vault.call('DELETE', '/v1/bootstrap-key'),
    close: async () => undefined,
  };
}

/** The vault's own services on a connection of the CLI's own: the same validation, hashing and audit as over HTTP. */
async function directBackend(config: z.infer<typeof directEnv>, env: NodeJS.ProcessEnv): Promise<KeysBackend> {
  const dataSource = new DataSource(dataSourceOptions({ ...vaultDatabase(config), poolSize: 2 }));
  await dataSource.initialize();
  const repository = new ApiKeysRepository(dataSource.getRepository(ApiKeyEntity));
  const bootstrap = new BootstrapKeyRepository(dataSource);
  const service = new ApiKeysService(repository, new ApiKeyRevocation(repository, bootstrap), new ApiKeyPepper(config.VAULT_MASTER_KEYS), new EnvelopeCipher(new LocalKeyring(config.VAULT_MASTER_KEYS)));
  const actor = `cli:keys@${env.USER ?? env.USERNAME ?? os.userInfo().username}`;
  const refused = (error: unknown): never => {
    if (error instanceof DomainError) throw new VaultRefusal(`refused: ${error.message}`);
    throw error;
  };
  return {
    async create(body) {
      const parsed = createApiKeyBody.safeParse(body);
      if (!parsed.success) throw new VaultRefusal(`refused: ${describeIssues(parsed.error).join('; ')}`);
      return service.create(parsed.data, actor).catch(refused);
    },
    list: () => service.list(),
    revoke: (handle) => service.revoke(handle, actor).catch(refused),
    async disableBootstrap() {
      await bootstrap.disable(actor);
    },
    close: () => dataSource.destroy(),
  };
}

type Command =
  | { name: 'help' }
  | { name: 'create'; handle: string; scopes: string[]; platforms?: string[]; alias?: string; json: boolean }
  | { name: 'list'; json: boolean }
  | { name: 'revoke'; handle: string }
  | { name: 'disable-bootstrap' };

function parseCommand(argv: string[]): Command {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { scopes: { type: 'string' }, platforms: { type: 'string' }, alias: { type: 'string' }, json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h' } },
  });
  const [name, handle, ...extra] = positionals;
  if (values.help || name === 'help' || name === undefined) return { name: 'help' };
  const json = values.json ?? false;
  switch (name) {
    case 'create': {
      if (!handle || extra.length) throw new UsageError('create takes exactly one handle');
      if (!values.scopes) throw new UsageError('create needs --scopes');
      const scopes = values.scopes.split(',').map((s) => s.trim()).filter(Boolean);
      // Kept as given (empty entries included), so the vault names what is wrong with the list.
      const platforms = values.platforms === undefined ? undefined : values.platforms.split(',').map((p) => p.trim());
      return { name, handle, scopes, platforms, alias: values.alias, json };
    }
    case 'list':
      if (handle) throw new UsageError('list takes no arguments');
      return { name, json };
    case 'revoke':
      if (!handle || extra.length) throw new UsageError('revoke takes exactly one handle');
      return { name, handle };
    case 'disable-bootstrap':
      if (handle) throw new UsageError('disable-bootstrap takes no arguments');
      return { name };
    default:
      throw new UsageError(`unknown command "${name}"`);
  }
}

async function execute(command: Exclude<Command, { name: 'help' }>, vault: KeysBackend, io: CliOutput): Promise<void> {
  switch (command.name) {
    case 'create': {
      const created = await vault.create({ handle: command.handle, scopes: command.scopes, ...(command.platforms ? { platforms: command.platforms } : {}), alias: command.alias });
      if (command.json) return io.out(JSON.stringify(created));
      const reach = created.platforms ? `; platforms: ${created.platforms.join(' ')}` : '';
      io.out(`Created API key "${created.handle}" (scopes: ${created.scopes.join(' ')}${reach}).`);
      io.out('');
      io.out(`  ${created.apiKey}`);
      io.out('');
      io.out('Store it now: the vault keeps only its hash and will not show it again.');
      return;
    }
    case 'list': {
      const keys = await vault.list();
      if (command.json) return io.out(JSON.stringify(keys));
      if (keys.length === 0) return io.out('No API keys.');
      const rows = keys.map((k) => [k.handle, k.scopes.join(' '), k.platforms?.join(' ') ?? '(all)', k.alias ?? '', `${k.prefix}…`, k.createdAt, k.lastUsedAt ?? 'never']);
      for (const line of table([['HANDLE', 'SCOPES', 'PLATFORMS', 'ALIAS', 'PREFIX', 'CREATED', 'LAST USED'], ...rows])) io.out(line);
      return;
    }
    case 'revoke':
      await vault.revoke(command.handle);
      io.out(`Revoked API key "${command.handle}": it can no longer obtain tokens, and its tokens are refused within seconds.`);
      return;
    case 'disable-bootstrap':
      await vault.disableBootstrap();
      io.out('The bootstrap admin key is disabled for good: remove BOOTSTRAP_ADMIN_API_KEY from the vault environment.');
      return;
  }
}

class VaultRefusal extends Error {}

class VaultAdminClient {
  constructor(
    private readonly baseUrl: string,
    private readonly tokens: TokenSource,
  ) {}

  async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(serviceUrl(this.baseUrl, path), {
      method,
      headers: { authorization: `Bearer ${await this.tokens.getToken()}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(10_000),
    });
    if (response.status === 204) return undefined as T;
    const answer = (await response.json().catch(() => ({}))) as { message?: unknown };
    if (!response.ok) {
      const message = Array.isArray(answer.message) ? answer.message.join('; ') : String(answer.message ?? response.statusText);
      throw new VaultRefusal(`vault refused (${response.status}): ${message}`);
    }
    return answer as T;
  }
}

function table(rows: string[][]): string[] {
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  return rows.map((row) => row.map((cell, column) => cell.padEnd(widths[column])).join('  ').trimEnd());
}

const consoleOutput: CliOutput = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

if (require.main === module) {
  runKeysCli(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`failed: ${(error as Error).message}\n`);
      process.exit(1);
    },
  );
}
