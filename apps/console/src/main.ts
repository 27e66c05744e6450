import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { ConfigError, exitOnConfigError, loadConfig } from '@app/config';
import { createHttpApp } from '@app/http';
import { consoleEnv } from './console.config';
import { ConsoleModule } from './console.module';
import { serveConsolePage } from './static/console-page';

/** Builds the console from an environment; tests call this in-process, main() from the shell. */
export async function createConsoleApp(env: NodeJS.ProcessEnv = process.env): Promise<{ app: NestFastifyApplication; port: number; host: string }> {
  const config = loadConfig(consoleEnv, env);
  if (!existsSync(join(config.CONSOLE_STATIC_DIR, 'index.html'))) {
    throw new ConfigError('CONSOLE_STATIC_DIR', `${config.CONSOLE_STATIC_DIR} holds no built console (index.html); run npm run build`);
  }
  const app = await createHttpApp(ConsoleModule.forRoot(config), {
    name: 'console',
    trustProxyHops: config.TRUST_PROXY_HOPS,
    // The page sends small JSON bodies only (a key's handle and scopes).
    bodyLimitBytes: 64 * 1024,
  });
  await serveConsolePage(app, config.CONSOLE_STATIC_DIR);
  return { app, port: config.CONSOLE_PORT, host: config.HOST };
}

async function main(): Promise<void> {
  const { app, port, host } = await createConsoleApp();
  await app.listen(port, host);
}

if (require.main === module) main().catch(exitOnConfigError);
