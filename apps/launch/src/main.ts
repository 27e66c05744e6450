import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { exitOnConfigError, loadConfig } from '@app/config';
import { migrateAtStartup } from '@app/database';
import { createHttpApp } from '@app/http';
import { launchEnv } from './launch.config';
import { launchDatabase } from './launch.database';
import { LaunchModule } from './launch.module';

/** Builds launch from an environment; tests call this in-process, main() from the shell. */
export async function createLaunchApp(env: NodeJS.ProcessEnv = process.env): Promise<{ app: NestFastifyApplication; port: number; host: string }> {
  const config = loadConfig(launchEnv, env);
  await migrateAtStartup(launchDatabase(config), { run: config.MIGRATIONS_RUN, migrationsUrl: config.MIGRATIONS_URL });
  const app = await createHttpApp(LaunchModule.forRoot(config), {
    name: 'launch',
    trustProxyHops: config.TRUST_PROXY_HOPS,
    docsEnabled: config.DOCS_ENABLED,
    swagger: { title: 'launch', description: 'Captures the serviceKey of every LTI launch', bearerAuth: true },
  });
  return { app, port: config.LAUNCH_PORT, host: config.HOST };
}

async function main(): Promise<void> {
  const { app, port, host } = await createLaunchApp();
  await app.startAllMicroservices();
  await app.listen(port, host);
}

if (require.main === module) main().catch(exitOnConfigError);
