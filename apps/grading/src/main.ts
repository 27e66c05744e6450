import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { exitOnConfigError, loadConfig } from '@app/config';
import { prepareDatabase } from '@app/database';
import { createHttpApp } from '@app/http';
import { gradingEnv } from './grading.config';
import { gradingDatabase } from './grading.database';
import { GradingModule } from './grading.module';

/** Builds grading from an environment; tests call this in-process, main() from the shell. */
export async function createGradingApp(env: NodeJS.ProcessEnv = process.env): Promise<{ app: NestFastifyApplication; port: number; host: string }> {
  const config = loadConfig(gradingEnv, env);
  if (config.MIGRATIONS_RUN) await prepareDatabase(gradingDatabase(config));
  const app = await createHttpApp(GradingModule.forRoot(config), {
    name: 'grading',
    swagger: { title: 'grading', description: 'Score ingest, ledger, delivery to LTIAAS, sync jobs', bearerAuth: true },
  });
  return { app, port: config.GRADING_PORT, host: config.HOST };
}

async function main(): Promise<void> {
  const { app, port, host } = await createGradingApp();
  await app.startAllMicroservices();
  await app.listen(port, host);
}

if (require.main === module) main().catch(exitOnConfigError);
