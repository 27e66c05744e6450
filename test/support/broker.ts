// A Kafka broker of a suite's own, on its own port, that the suite may stop,
// kill and restart (with its data kept) without disturbing anyone else.
// Goes through scripts/infra.mjs because jest cannot load ES modules directly.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const INFRA = join(__dirname, '..', '..', 'scripts', 'infra.mjs');

async function infra(command: string, port: number): Promise<string> {
  const { stdout } = await run('node', [INFRA, command], { env: { ...process.env, KAFKA_PORT: String(port), KAFKA_BROKERS: '' }, timeout: 120000 });
  return stdout;
}

export class OwnBroker {
  constructor(readonly port: number) {}

  get brokers(): string {
    return `127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    await infra('kafka-up', this.port);
  }

  /** A clean stop (SIGTERM); data kept. */
  async stop(): Promise<void> {
    await infra('kafka-down', this.port);
  }

  /** SIGKILL, as a crash; data kept. */
  async kill(): Promise<void> {
    await infra('kill', this.port);
  }
}
