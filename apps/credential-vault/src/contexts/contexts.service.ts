import { Injectable } from '@nestjs/common';
import { DomainError } from '@app/http';
import { decodeCursor, encodeCursor, type ContextsQuery } from './dto/contexts.dto';
import { LaunchContextRepository, type LaunchContextView } from './launch-context.repository';

/** Launch contexts the vault has seen, for operators and other apps. No secrets. */
@Injectable()
export class ContextsService {
  constructor(private readonly contexts: LaunchContextRepository) {}

  async list(query: ContextsQuery): Promise<{ items: LaunchContextView[]; next?: string }> {
    const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    if (query.cursor !== undefined && !after) throw new DomainError('invalid', 'cursor: is not a cursor this service returned');
    const items = await this.contexts.page({ limit: query.limit, after, platformId: query.platformId, contextId: query.contextId });
    const last = items[items.length - 1];
    return items.length === query.limit && last ? { items, next: encodeCursor(last) } : { items };
  }
}
