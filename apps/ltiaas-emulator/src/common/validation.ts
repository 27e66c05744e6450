import { BadRequestException } from '@nestjs/common';
import { z } from 'zod';
import { LtiaasError } from './ltiaas.error';

function issues(error: z.ZodError): Array<{ path: string; message: string }> {
  return error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
}

/** Validates input on an LTIAAS endpoint; refusals use the LTIAAS envelope. */
export function parseLtiaas<S extends z.ZodType>(schema: S, value: unknown, what: string): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const list = issues(result.error);
  const first = list[0];
  throw LtiaasError.validation(`Invalid ${what}: ${first.path ? `${first.path}: ` : ''}${first.message}`, list);
}

/** Validates input on an admin endpoint; refusals use the `{statusCode,error,message}` shape. */
export function parseAdmin<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new BadRequestException(issues(result.error).map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; '));
}

/**
 * A query value that may arrive encoded once more than needed: the LTIAAS SDK
 * runs `encodeURIComponent` on `url` and `role` before axios encodes again
 * (reference §4), so after the server's own decoding an extra layer remains.
 */
export function decodeExtraLayer(value: string, looksDecoded: (v: string) => boolean): string {
  if (looksDecoded(value) || !value.includes('%')) return value;
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

export const isAbsoluteHttpUrl = (v: string): boolean => /^https?:\/\//i.test(v);

/** `limit` as query text: a whole number ≥ 1. */
export const limitParam = z
  .string()
  .regex(/^\d+$/, 'expected a whole number >= 1')
  .transform(Number)
  .pipe(z.number().int().min(1));
