import { Controller, Get, Query } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { apiSchema, ZodValidationPipe } from '@app/http';
import { CredentialsAccess } from '../credentials/credentials-access';
import { ContextsService } from './contexts.service';
import { contextsPage, contextsQuery, type ContextsQuery } from './dto/contexts.dto';
import type { LaunchContextView } from './launch-context.repository';

@ApiTags('contexts')
@Controller('v1/contexts')
@CredentialsAccess()
export class ContextsController {
  constructor(private readonly contexts: ContextsService) {}

  @Get()
  @ApiOperation({ summary: 'Launch contexts seen, with their non-secret facts and whether a fresh serviceKey is held; paged' })
  @ApiQuery({ name: 'limit', required: false, schema: { type: 'integer', minimum: 1, maximum: 500, default: 100 } })
  @ApiQuery({ name: 'cursor', required: false, description: '`next` of the previous page' })
  @ApiQuery({ name: 'platformId', required: false })
  @ApiQuery({ name: 'contextId', required: false })
  @ApiResponse({ status: 200, schema: apiSchema(contextsPage, 'output') })
  list(@Query(new ZodValidationPipe(contextsQuery)) query: ContextsQuery): Promise<{ items: LaunchContextView[]; next?: string }> {
    return this.contexts.list(query);
  }
}
