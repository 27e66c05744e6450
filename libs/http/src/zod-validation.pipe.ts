import { BadRequestException, PipeTransform } from '@nestjs/common';
import { z } from 'zod';

/** Formats zod issues as `field.path: reason`, so a 400 names the field at fault. */
export function describeIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => `${issue.path.length ? issue.path.join('.') : '(body)'}: ${issue.message}`);
}

/** Validates and strips a request part against a zod schema; unknown input is `unknown` until it passes. */
export class ZodValidationPipe<T extends z.ZodType> implements PipeTransform<unknown, z.infer<T>> {
  constructor(private readonly schema: T) {}

  transform(value: unknown): z.infer<T> {
    const result = this.schema.safeParse(value);
    if (!result.success) throw new BadRequestException(describeIssues(result.error));
    return result.data;
  }
}

/**
 * A zod schema as an OpenAPI 3.0 schema object, for @ApiBody (io 'input', the
 * default) and @ApiResponse (io 'output'). The 3.0 target matters: JSON Schema's
 * numeric `exclusiveMinimum` and `type: 'null'` are not valid there.
 */
export function apiSchema(schema: z.ZodType, io: 'input' | 'output' = 'input'): Record<string, unknown> {
  const { $schema: _ignored, ...json } = z.toJSONSchema(schema, { unrepresentable: 'any', io, target: 'openapi-3.0' }) as Record<string, unknown>;
  return json;
}
