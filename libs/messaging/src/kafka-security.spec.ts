import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, infrastructureEnv, loadConfig } from '@app/config';
import { kafkaSettings } from './kafka-settings';

// Real PEM files, made with openssl as an operator would: one certificate with its key, and a second key.
let dir: string;
const file = (name: string) => join(dir, name);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kafka-security-'));
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', file('client.key'), '-out', file('client.pem'), '-days', '1', '-subj', '/CN=client');
  openssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', file('other.key'));
  writeFileSync(file('password'), 's3cret-from-file\n');
  writeFileSync(file('empty'), '\n');
  writeFileSync(file('not-pem.txt'), 'hello\n');
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The settings an app builds from this environment, through loadConfig as at start-up. */
const settingsFrom = (env: Record<string, string>) => kafkaSettings('test', loadConfig(infrastructureEnv, env));

/** The ConfigError's one line, or 'no error'. */
function failure(env: Record<string, string>): string {
  try {
    settingsFrom(env);
    return 'no error';
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.message;
  }
}

describe('Kafka security settings', () => {
  it('leaves TLS and SASL off by default', () => {
    expect(settingsFrom({}).security).toEqual({ ssl: undefined, sasl: undefined });
  });

  it('turns TLS on with the system CAs, or with a CA bundle; verification always on', () => {
    expect(settingsFrom({ KAFKA_SSL: 'true' }).security?.ssl).toEqual({ rejectUnauthorized: true });
    const ssl = settingsFrom({ KAFKA_SSL: 'true', KAFKA_SSL_CA_FILE: file('client.pem') }).security?.ssl;
    expect(ssl?.rejectUnauthorized).toBe(true);
    expect(ssl?.ca).toEqual([expect.stringContaining('-----BEGIN CERTIFICATE-----')]);
  });

  it('takes a client certificate and its key for mutual TLS', () => {
    const ssl = settingsFrom({ KAFKA_SSL: 'true', KAFKA_SSL_CERT_FILE: file('client.pem'), KAFKA_SSL_KEY_FILE: file('client.key') }).security?.ssl;
    expect(ssl?.cert).toContain('BEGIN CERTIFICATE');
    expect(ssl?.key).toContain('PRIVATE KEY');
  });

  it('builds SASL credentials from a password or a password file (its trailing newline dropped)', () => {
    expect(settingsFrom({ KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_USERNAME: 'grading', KAFKA_SASL_PASSWORD: 'pw' }).security?.sasl).toEqual({
      mechanism: 'scram-sha-512',
      username: 'grading',
      password: 'pw',
    });
    expect(settingsFrom({ KAFKA_SASL_MECHANISM: 'scram-sha-256', KAFKA_SASL_USERNAME: 'grading', KAFKA_SASL_PASSWORD_FILE: file('password') }).security?.sasl).toEqual({
      mechanism: 'scram-sha-256',
      username: 'grading',
      password: 's3cret-from-file',
    });
    // The images' entrypoint sets NAME from NAME_FILE, so both arrive; agreeing, they are one password.
    expect(settingsFrom({ KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_USERNAME: 'g', KAFKA_SASL_PASSWORD: 's3cret-from-file', KAFKA_SASL_PASSWORD_FILE: file('password') }).security?.sasl).toMatchObject({ password: 's3cret-from-file' });
    expect(settingsFrom({ KAFKA_SSL: 'true', KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p' }).security?.sasl?.mechanism).toBe('plain');
  });

  it.each([
    [{ KAFKA_SSL: 'yes' }, /^Invalid configuration: KAFKA_SSL:/],
    [{ KAFKA_SSL: 'true', KAFKA_SSL_CA_FILE: '/nonexistent/ca.pem' }, /^Invalid configuration: KAFKA_SSL_CA_FILE: cannot read \/nonexistent\/ca.pem \(ENOENT\)$/],
    [{ KAFKA_SSL: 'true', KAFKA_SSL_CA_FILE: 'DIR' }, /^Invalid configuration: KAFKA_SSL_CA_FILE: .* is not a file$/],
    [{ KAFKA_SSL: 'true', KAFKA_SSL_CA_FILE: 'not-pem.txt' }, /^Invalid configuration: KAFKA_SSL_CA_FILE: .* is not PEM with a CERTIFICATE block$/],
    [{ KAFKA_SSL: 'true', KAFKA_SSL_CA_FILE: 'client.key' }, /^Invalid configuration: KAFKA_SSL_CA_FILE: .* is not PEM with a CERTIFICATE block$/],
    [{ KAFKA_SSL_CA_FILE: 'client.pem' }, /^Invalid configuration: KAFKA_SSL: must be true when KAFKA_SSL_CA_FILE is set$/],
    [{ KAFKA_SSL: 'true', KAFKA_SSL_CERT_FILE: 'client.pem' }, /^Invalid configuration: KAFKA_SSL_KEY_FILE: is required with KAFKA_SSL_CERT_FILE/],
    [{ KAFKA_SSL: 'true', KAFKA_SSL_KEY_FILE: 'client.key' }, /^Invalid configuration: KAFKA_SSL_CERT_FILE: is required with KAFKA_SSL_KEY_FILE/],
    [{ KAFKA_SSL: 'true', KAFKA_SSL_CERT_FILE: 'client.pem', KAFKA_SSL_KEY_FILE: 'other.key' }, /^Invalid configuration: KAFKA_SSL_KEY_FILE: does not belong to the certificate/],
    [{ KAFKA_SASL_MECHANISM: 'gssapi' }, /^Invalid configuration: KAFKA_SASL_MECHANISM:/],
    [{ KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_PASSWORD: 'p' }, /^Invalid configuration: KAFKA_SASL_USERNAME: is required with KAFKA_SASL_MECHANISM=scram-sha-512$/],
    [{ KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_USERNAME: 'u' }, /^Invalid configuration: KAFKA_SASL_PASSWORD: or KAFKA_SASL_PASSWORD_FILE is required/],
    [{ KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p', KAFKA_SASL_PASSWORD_FILE: 'password' }, /^Invalid configuration: KAFKA_SASL_PASSWORD_FILE: holds another password than KAFKA_SASL_PASSWORD; keep one$/],
    [{ KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD_FILE: 'missing' }, /^Invalid configuration: KAFKA_SASL_PASSWORD_FILE: cannot read .*missing \(ENOENT\)$/],
    [{ KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD_FILE: 'empty' }, /^Invalid configuration: KAFKA_SASL_PASSWORD_FILE: .* is empty$/],
    [{ KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p' }, /^Invalid configuration: KAFKA_SASL_MECHANISM: is required when KAFKA_SASL_USERNAME is set/],
    [{ KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p' }, /^Invalid configuration: KAFKA_SSL: must be true with KAFKA_SASL_MECHANISM=plain/],
  ])('stops at start-up on %j with one line naming the variable', (env, line) => {
    // File names in the table are relative to the fixtures folder ('DIR' is the folder itself).
    const resolved = Object.fromEntries(
      Object.entries(env).map(([name, value]) => [name, name.endsWith('_FILE') ? (value === 'DIR' ? dir : value.startsWith('/') ? value : file(value)) : value]),
    );
    const message = failure(resolved);
    expect(message).toMatch(line);
    expect(message.split('\n')).toHaveLength(1);
  });

  it('never puts a password in an error', () => {
    const secret = 'very-secret-password-42';
    const cases: Array<Record<string, string>> = [
      { KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_PASSWORD: secret },
      { KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: secret },
      { KAFKA_SASL_MECHANISM: 'nope', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: secret },
      { KAFKA_SASL_PASSWORD: secret },
    ];
    for (const env of cases) {
      const message = failure(env);
      expect(message).toMatch(/^Invalid configuration: KAFKA_/);
      expect(message).not.toContain(secret);
    }
  });
});
