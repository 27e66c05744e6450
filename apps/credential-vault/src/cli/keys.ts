// Operators' API key tool: talks to a running vault over HTTP with an admin key.
//   npm run keys -- create <handle> --scopes a,b [--alias x] [--json]
//   npm run keys -- list [--json]
//   npm run keys -- revoke <handle>
// Environment: VAULT_URL, and VAULT_ADMIN_API_KEY (or BOOTSTRAP_ADMIN_API_KEY).
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { authEnv, SCOPES, TokenExchangeError, TokenSource } from '@app/auth';
import { ConfigError, loadConfig } from '@app/config';
import { serviceUrl } from '@app/http';

export interface CliOutput {
  out(line: string): void;
  err(line: string): void;
}

const cliEnv = authEnv.pick({ VAULT_URL: true }).extend({
  VAULT_ADMIN_API_KEY: z.string().min(1).optional(),
  BOOTSTRAP_ADMIN_API_KEY: z.string().min(1).optional(),
});

const USAGE = `usage:
  keys create <handle> --scopes <scope,...> [--alias <text>] [--json]
  keys list [--json]
  keys revoke <handle>
scopes: ${SCOPES.join(', ')}
environment: VAULT_URL (default http://127.0.0.1:3002), VAULT_ADMIN_API_KEY or BOOTSTRAP_ADMIN_API_KEY`;

const EX_USAGE = 64;
const EX_CONFIG = 78;

class UsageError extends Error {}

interface KeyView {
  handle: string;
  alias: string | null;
  scopes: string[];
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
  let config: z.infer<typeof cliEnv>;
  try {
    config = loadConfig(cliEnv, env);
  } catch (error) {
    if (error instanceof ConfigError) {
      io.err(error.message);
      return EX_CONFIG;
    }
    throw error;
  }
  const adminKey = config.VAULT_ADMIN_API_KEY ?? config.BOOTSTRAP_ADMIN_API_KEY;
  if (!adminKey) {
    io.err('Invalid configuration: VAULT_ADMIN_API_KEY: set it (or BOOTSTRAP_ADMIN_API_KEY) to an API key with the admin scope');
    return EX_CONFIG;
  }
  const vault = new VaultAdminClient(config.VAULT_URL, new TokenSource({ vaultUrl: config.VAULT_URL, apiKey: adminKey }));
  try {
    await execute(command, vault, io);
    return 0;
  } catch (error) {
    io.err(error instanceof VaultRefusal || error instanceof TokenExchangeError ? error.message : `failed: ${(error as Error).message}`);
    return 1;
  }
}

type Command =
  | { name: 'help' }
  | { name: 'create'; handle: string; scopes: string[]; alias?: string; json: boolean }
  | { name: 'list'; json: boolean }
  | { name: 'revoke'; handle: string };

function parseCommand(argv: string[]): Command {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { scopes: { type: 'string' }, alias: { type: 'string' }, json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h' } },
  });
  const [name, handle, ...extra] = positionals;
  if (values.help || name === 'help' || name === undefined) return { name: 'help' };
  const json = values.json ?? false;
  switch (name) {
    case 'create': {
      if (!handle || extra.length) throw new UsageError('create takes exactly one handle');
      if (!values.scopes) throw new UsageError('create needs --scopes');
      const scopes = values.scopes.split(',').map((s) => s.trim()).filter(Boolean);
      return { name, handle, scopes, alias: values.alias, json };
    }
    case 'list':
      if (handle) throw new UsageError('list takes no arguments');
      return { name, json };
    case 'revoke':
      if (!handle || extra.length) throw new UsageError('revoke takes exactly one handle');
      return { name, handle };
    default:
      throw new UsageError(`unknown command "${name}"`);
  }
}

async function execute(command: Exclude<Command, { name: 'help' }>, vault: VaultAdminClient, io: CliOutput): Promise<void> {
  switch (command.name) {
    case 'create': {
      const created = await vault.call<KeyView>('POST', '/v1/keys', { handle: command.handle, scopes: command.scopes, alias: command.alias });
      if (command.json) return io.out(JSON.stringify(created));
      io.out(`Created API key "${created.handle}" (scopes: ${created.scopes.join(' ')}).`);
      io.out('');
      io.out(`  ${created.apiKey}`);
      io.out('');
      io.out('Store it now: the vault keeps only its hash and will not show it again.');
      return;
    }
    case 'list': {
      const { keys } = await vault.call<{ keys: KeyView[] }>('GET', '/v1/keys');
      if (command.json) return io.out(JSON.stringify(keys));
      if (keys.length === 0) return io.out('No API keys.');
      const rows = keys.map((k) => [k.handle, k.scopes.join(' '), k.alias ?? '', `${k.prefix}…`, k.createdAt, k.lastUsedAt ?? 'never']);
      for (const line of table([['HANDLE', 'SCOPES', 'ALIAS', 'PREFIX', 'CREATED', 'LAST USED'], ...rows])) io.out(line);
      return;
    }
    case 'revoke':
      await vault.call('DELETE', `/v1/keys/${encodeURIComponent(command.handle)}`);
      io.out(`Revoked API key "${command.handle}": it can no longer obtain tokens (tokens already issued expire within their lifetime).`);
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
