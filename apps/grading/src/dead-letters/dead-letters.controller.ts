import { Controller, Get, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { JwtAuthGuard, Scopes } from '@app/auth';
import { apiSchema, ZodValidationPipe } from '@app/http';
import type { DeadLetterView } from './dead-letters.repository';
import { DeadLettersService } from './dead-letters.service';
import { deadLetterId, deadLetterQueryParams, type DeadLetterQueryParams } from './dto/dead-letter-query.dto';
import { deadLetterRetried, deadLettersPage } from './dto/dead-letter.response';

@ApiTags('dead-letters')
@Controller('v1/dead-letters')
@UseGuards(JwtAuthGuard)
@Scopes('admin')
export class DeadLettersController {
  constructor(private readonly deadLetters: DeadLettersService) {}

  @Get()
  @ApiQuery({ name: 'kind', required: false, enum: ['delivery', 'ingest'] })
  @ApiQuery({ name: 'open', required: false, description: 'true: not yet retried' })
  @ApiQuery({ name: 'after', required: false })
  @ApiQuery({ name: 'limit', required: false })
  @ApiOperation({ summary: 'List dead letters' })
  @ApiOkResponse({ description: 'failed deliveries (with the platform\'s words) and dead-lettered ingest records (with the reason)', schema: apiSchema(deadLettersPage, 'output') })
  list(@Query(new ZodValidationPipe(deadLetterQueryParams)) query: DeadLetterQueryParams): Promise<{ deadLetters: DeadLetterView[]; next?: string }> {
    return this.deadLetters.list(query);
  }

  @Post(':id/retry')
  @HttpCode(202)
  @ApiOperation({ summary: 'Retry one dead letter' })
  @ApiAcceptedResponse({ description: '`retried`: the score is due again; `superseded`: a newer value of the row is already on its way', schema: apiSchema(deadLetterRetried, 'output') })
  retry(@Param('id', new ZodValidationPipe(deadLetterId)) id: string): Promise<{ id: string; status: 'retried' | 'superseded' }> {
    return this.deadLetters.retry(id);
  }
}
