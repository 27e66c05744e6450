import { parseBackfillArgs, UsageError } from './backfill-options';

describe('parseBackfillArgs', () => {
  it('defaults to Kafka, no dry run, batches of 500', () => {
    expect(parseBackfillArgs(['--file', 'scores.ndjson'], {})).toEqual({
      file: 'scores.ndjson',
      dryRun: false,
      skipInvalid: false,
      batchSize: 500,
      target: { kind: 'kafka' },
    });
  });

  it('reads the flags', () => {
    const options = parseBackfillArgs(['-f', 's.ndjson', '--dry-run', '--skip-invalid', '--batch-size', '100'], {});
    expect(options).toMatchObject({ file: 's.ndjson', dryRun: true, skipInvalid: true, batchSize: 100 });
  });

  it('sends through grading when given its URL and a key, exchanging the key at VAULT_URL', () => {
    const options = parseBackfillArgs(['--file', 's', '--grading-url', 'http://grading:3003/', '--api-key', 'k'], { VAULT_URL: 'http://vault:3002' });
    expect(options).toMatchObject({ target: { kind: 'http', gradingUrl: 'http://grading:3003', vaultUrl: 'http://vault:3002', apiKey: 'k' } });
  });

  it('takes the key from BACKFILL_API_KEY, keeping it out of the process list', () => {
    const options = parseBackfillArgs(['--file', 's', '--grading-url', 'http://grading:3003'], { BACKFILL_API_KEY: 'from-env' });
    expect(options).toMatchObject({ target: { kind: 'http', apiKey: 'from-env', vaultUrl: 'http://127.0.0.1:3002' } });
  });

  it('answers help', () => {
    expect(parseBackfillArgs(['--help'], {})).toBe('help');
  });

  it.each([
    [[], /--file is required/],
    [['--file', 's', '--bogus'], /bogus/],
    [['--file', 's', '--batch-size', '0'], /--batch-size/],
    [['--file', 's', '--batch-size', '5000'], /--batch-size/],
    [['--file', 's', '--grading-url', 'ftp://x'], /--grading-url/],
    [['--file', 's', '--grading-url', 'http://grading:3003'], /API key is required/],
    [['--file', 's', '--api-key', 'k'], /only used with --grading-url/],
  ])('rejects %j', (argv, message) => {
    expect(() => parseBackfillArgs(argv, {})).toThrow(UsageError);
    expect(() => parseBackfillArgs(argv, {})).toThrow(message);
  });
});
