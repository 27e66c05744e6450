import { exitOnConfigError } from '@app/config';
import { startEmulatorServer } from './bootstrap';
import { parseEmulatorConfig } from './config/emulator.config';

async function main(): Promise<void> {
  const config = parseEmulatorConfig(process.env);
  const server = await startEmulatorServer(config, { logger: ['error', 'warn'] });
  // process.exit(0) once the hooks ran: SIGTERM ends the emulator with status 0, like every app.
  server.app.enableShutdownHooks([], { useProcessExit: true });
  // Nest's start-up chatter (every mapped route) is below the log level; this one line says where we are.
  const line = { level: 'info', msg: 'ltiaas-emulator listening', url: server.url, admin: Boolean(config.adminKey), docs: `${server.url}/docs` };
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

main().catch((err: unknown) => {
  exitOnConfigError(err);
});
