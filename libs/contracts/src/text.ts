import { z } from 'zod';

/**
 * Characters PostgreSQL cannot store in `text`/`jsonb` (NUL), that are not
 * text at all (lone UTF-16 surrogates: no UTF-8 encoding exists), or that no
 * identifier legitimately holds (C0 controls and DEL). Refused at the edge so
 * nothing accepted is later refused by the database.
 */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;
// eslint-disable-next-line no-control-regex
const CONTROL_EXCEPT_LINE_BREAKS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** String.prototype.isWellFormed, which the ES2022 lib does not declare. */
export const wellFormed = (value: string): boolean => !LONE_SURROGATE.test(value);

export const utf8Bytes = (value: string): number => Buffer.byteLength(value, 'utf8');
export const codePoints = (value: string): number => {
  let n = 0;
  for (const _ of value) n++;
  return n;
};

function checkText(value: string, ctx: z.RefinementCtx, controls: RegExp, what: string): void {
  if (!wellFormed(value)) ctx.addIssue({ code: 'custom', message: 'must not contain a lone UTF-16 surrogate' });
  else if (value.includes('\u0000')) ctx.addIssue({ code: 'custom', message: 'must not contain NUL' });
  else if (controls.test(value)) ctx.addIssue({ code: 'custom', message: `must not contain control characters${what}` });
}

/**
 * An identifier: 1 to `maxBytes` UTF-8 bytes, no control characters. Limits
 * are in bytes because identifiers are indexed together, and a PostgreSQL
 * btree entry has a ceiling in bytes (about 2.7 kB), whatever the characters.
 */
export function identifier(name: string, maxBytes = 255) {
  return z
    .string({ error: `${name} is required` })
    .min(1, `${name} must not be empty`)
    .superRefine((value, ctx) => {
      if (utf8Bytes(value) > maxBytes) ctx.addIssue({ code: 'custom', message: `must be at most ${maxBytes} bytes in UTF-8` });
      checkText(value, ctx, CONTROL, '');
    });
}

/** Free text (a comment): at most `maxChars` characters (code points); tab, newline and carriage return allowed, other control characters refused. */
export function freeText(maxChars: number) {
  return z.string().superRefine((value, ctx) => {
    if (codePoints(value) > maxChars) ctx.addIssue({ code: 'custom', message: `must be at most ${maxChars} characters` });
    checkText(value, ctx, CONTROL_EXCEPT_LINE_BREAKS, ' other than tab, newline and carriage return');
  });
}

/** Whether a string can be stored as PostgreSQL text (no NUL, valid UTF-16, hence valid UTF-8). */
export function storableText(value: string): boolean {
  return wellFormed(value) && !value.includes('\u0000');
}
