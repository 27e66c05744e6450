/**
 * Secrets are kept out of logs by the logger's configuration, not by the
 * discipline of whoever writes a log call: these paths are censored wherever
 * they appear, and URLs lose their query strings (an ltik travels in one).
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-admin-key"]',
  'req.headers["idempotency-key"]',
  'headers.authorization',
  'authorization',
  'ltik',
  'serviceKey',
  'apiKey',
  'secret',
  'token',
  'access_token',
  'password',
  '*.ltik',
  '*.serviceKey',
  '*.apiKey',
  '*.secret',
  '*.token',
  '*.access_token',
  '*.password',
  '*.authorization',
  '*.*.serviceKey',
  '*.*.ltik',
];

const SECRET_PATTERNS: RegExp[] = [
  // LTIAAS schemes: keep the scheme name, drop what follows it.
  /(LTIK-AUTH-V[12]|SERVICE-AUTH-V1|Bearer)\s+[^\s"',]+/g,
  /([?&](?:ltik|serviceKey|token|api_key)=)[^&\s"']+/gi,
];

/** Masks credentials inside free text (error messages, URLs). */
export function redactText(text: string): string {
  let out = text;
  for (const pattern of SECRET_PATTERNS) out = out.replace(pattern, (_m, head: string) => `${head}${head.endsWith('=') ? '' : ' '}[REDACTED]`);
  return out;
}

/** A URL fit for a log line: path only, the query string dropped. */
export function loggableUrl(url: string | undefined): string | undefined {
  if (!url) return url;
  const q = url.indexOf('?');
  return q === -1 ? url : `${url.slice(0, q)}?[REDACTED]`;
}
