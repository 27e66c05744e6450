import { parseArgs } from 'node:util';
import { z } from 'zod';
import { httpUrl } from '@app/config';

export const BACKFILL_USAGE = `Usage: npm run backfill -- --file scores.ndjson [options]

Streams a file of ScoreReady data objects (one JSON object per line) into grading.
Every line is validated first; nothing is published while any line is invalid,
unless --skip-invalid is given.

  --file, -f PATH        the NDJSON file (required)
  --dry-run              validate and report only; publish nothing
  --skip-invalid         publish the valid lines even when some lines are invalid
  --batch-size N         records per Kafka batch or concurrent HTTP requests (1-1000, default 500)
  --grading-url URL      send through grading's HTTP ingest instead of straight to Kafka
  --api-key KEY          API key (scope scores:write) exchanged at the vault for a token;
                         prefer the BACKFILL_API_KEY variable, which stays out of process lists
  --vault-url URL        where the key is exchanged (default: VAULT_URL, else http://127.0.0.1:3002)
  --help, -h             this text

Environment: KAFKA_BROKERS, KAFKA_TOPIC_PREFIX (Kafka mode); BACKFILL_API_KEY, VAULT_URL (HTTP mode).
Output: problems and progress on stderr; one JSON summary line on stdout.
Exit codes: 0 done, 1 invalid lines or a failed publish, 2 usage, 78 configuration.`;

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export type BackfillTarget = { kind: 'kafka' } | { kind: 'http'; gradingUrl: string; vaultUrl: string; apiKey: string };

export interface BackfillOptions {
  file: string;
  dryRun: boolean;
  skipInvalid: boolean;
  batchSize: number;
  target: BackfillTarget;
}

const DEFAULT_VAULT_URL = 'http://127.0.0.1:3002';

const optionsSchema = z
  .object({
    file: z.string({ error: '--file is required' }).min(1, '--file is required'),
    'dry-run': z.boolean().default(false),
    'skip-invalid': z.boolean().default(false),
    'batch-size': z.coerce.number({ error: '--batch-size must be a number' }).int().min(1).max(1000).default(500),
    'grading-url': httpUrl.optional(),
    'api-key': z.string().min(1).optional(),
    'vault-url': httpUrl.optional(),
  })
  .superRefine((o, ctx) => {
    if (o['grading-url'] && !o['api-key']) {
      ctx.addIssue({ code: 'custom', path: ['api-key'], message: 'an API key is required with --grading-url (--api-key or BACKFILL_API_KEY)' });
    }
  });

/** Parses the command line (and the variables standing in for options); throws UsageError. */
export function parseBackfillArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): BackfillOptions | 'help' {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        file: { type: 'string', short: 'f' },
        'dry-run': { type: 'boolean' },
        'skip-invalid': { type: 'boolean' },
        'batch-size': { type: 'string' },
        'grading-url': { type: 'string' },
        'api-key': { type: 'string' },
        'vault-url': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) return 'help';

  const parsed = optionsSchema.safeParse({
    ...values,
    'api-key': values['api-key'] ?? (values['grading-url'] ? emptyToUndefined(env.BACKFILL_API_KEY) : undefined),
    'vault-url': values['vault-url'] ?? emptyToUndefined(env.VAULT_URL),
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const option = issue.path.length ? `--${issue.path.join('.')}` : 'arguments';
    // Messages written here already name their option; zod's own get it prefixed.
    throw new UsageError(issue.message.includes('--') ? issue.message : `${option}: ${issue.message}`);
  }
  const o = parsed.data;
  if (o['api-key'] && !o['grading-url']) throw new UsageError('--api-key is only used with --grading-url');
  return {
    file: o.file,
    dryRun: o['dry-run'],
    skipInvalid: o['skip-invalid'],
    batchSize: o['batch-size'],
    target: o['grading-url']
      ? { kind: 'http', gradingUrl: trimSlash(o['grading-url']), vaultUrl: trimSlash(o['vault-url'] ?? DEFAULT_VAULT_URL), apiKey: o['api-key']! }
      : { kind: 'kafka' },
  };
}

const emptyToUndefined = (value: string | undefined) => (value === '' ? undefined : value);
const trimSlash = (url: string) => url.replace(/\/+$/, '');
