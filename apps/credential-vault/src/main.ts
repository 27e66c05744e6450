import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { exitOnConfigError, loadConfig } from '@app/config';
import { prepareDatabase } from '@app/database';
import { createHttpApp } from '@app/http';
import { vaultEnv } from './vault.config';
import { vaultDatabase } from './vault.database';
import { VaultModule } from './vault.module';

/** Builds the vault from an environment; tests call this in-process, main() from the shell. */
export async function createVaultApp(env: NodeJS.ProcessEnv = process.env): Promise<{ app: NestFastifyApplication; port: number; host: string }> {
  const config = loadConfig(vaultEnv, env);
  if (config.MIGRATIONS_RUN) await prepareDatabase(vaultDatabase(config));
  const app = await createHttpApp(VaultModule.forRoot(config), {
    name: 'credential-vault',
    swagger: { title: 'credential-vault', description: 'Service keys (encrypted), API keys and short-lived tokens', bearerAuth: true },
  });
  return { app, port: config.VAULT_PORT, host: config.HOST };
}

async function main(): Promise<void> {
  const { app, port, host } = await createVaultApp();
  await app.startAllMicroservices();
  await app.listen(port, host);
}

if (require.main === module) main().catch(exitOnConfigError);
