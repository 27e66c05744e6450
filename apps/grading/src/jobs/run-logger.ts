import { Logger } from '@nestjs/common';

type Fields = Record<string, unknown>;

/**
 * A logger bound to fields (a run id, a context), so every line a run writes
 * can be found with one query; nested work takes a child with more fields.
 */
export class RunLogger {
  constructor(
    private readonly logger: Logger,
    readonly fields: Fields,
  ) {}

  child(more: Fields): RunLogger {
    return new RunLogger(this.logger, { ...this.fields, ...more });
  }

  log(message: string, fields: Fields = {}): void {
    this.logger.log({ ...this.fields, ...fields }, message);
  }

  warn(message: string, fields: Fields = {}): void {
    this.logger.warn({ ...this.fields, ...fields }, message);
  }

  error(message: string, error: unknown, fields: Fields = {}): void {
    this.logger.error({ ...this.fields, ...fields, err: error instanceof Error ? error : new Error(String(error)) }, message);
  }

  debug(message: string, fields: Fields = {}): void {
    this.logger.debug({ ...this.fields, ...fields }, message);
  }
}
