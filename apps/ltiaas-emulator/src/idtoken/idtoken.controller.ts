import { Controller, Get, Query } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { ContextAuth } from '../auth/auth.service';
import { CallerContext, LtiaasEndpoint } from '../auth/ltiaas-endpoint.decorator';
import { parseLtiaas } from '../common/validation';
import { IdTokenBuilder } from './idtoken.builder';

const IdTokenQuery = z.object({ raw: z.enum(['true', 'false']).optional() });

@ApiTags('LTIAAS: ID token')
@Controller('api/idtoken')
export class IdTokenController {
  constructor(private readonly builder: IdTokenBuilder) {}

  @Get()
  @LtiaasEndpoint({ name: 'idtoken', auth: ['LTIK'] })
  @ApiOperation({ summary: "The launch's ID token (ltik only)" })
  @ApiQuery({ name: 'raw', required: false, enum: ['true', 'false'] })
  @ApiResponse({ status: 200, description: 'Formatted ID token, or the raw LMS claims with raw=true' })
  @ApiResponse({ status: 401, description: 'INVALID_LTIK_AUTH_AUTHORIZATION_HEADER' })
  get(@CallerContext() caller: ContextAuth, @Query() query: unknown): Record<string, unknown> {
    const { raw } = parseLtiaas(IdTokenQuery, query, 'query');
    // The guard admits only ltik callers here, and they always carry their launch.
    const launch = caller.launch!;
    return raw === 'true' ? this.builder.raw(launch) : this.builder.formatted(launch);
  }
}
