import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { LtiaasEndpoint } from '../auth/ltiaas-endpoint.decorator';
import { parseLtiaas } from '../common/validation';
import { CompleteRegistrationBody, RegistrationsService } from './registrations.service';

const DescribeQuery = z.object({ raw: z.enum(['true', 'false']).optional() });

@ApiTags('LTIAAS: dynamic registration')
@Controller('api/registrations/:registrationID')
export class RegistrationsController {
  constructor(private readonly registrations: RegistrationsService) {}

  @Get()
  @LtiaasEndpoint({ name: 'registrations.get', auth: ['BEARER'] })
  @ApiOperation({ summary: 'A pending dynamic registration (raw=true: the LMS openid configuration)' })
  describe(@Param('registrationID') id: string, @Query() query: unknown): Record<string, unknown> {
    return this.registrations.describe(id, parseLtiaas(DescribeQuery, query, 'query').raw === 'true');
  }

  @Post('complete')
  @HttpCode(200)
  @LtiaasEndpoint({ name: 'registrations.complete', auth: ['BEARER'] })
  @ApiBody({ schema: z.toJSONSchema(CompleteRegistrationBody, { io: 'input' }) as Record<string, unknown> })
  complete(@Param('registrationID') id: string, @Body() body: unknown): { html: string; platformId: string } {
    return this.registrations.complete(id, parseLtiaas(CompleteRegistrationBody, body ?? {}, 'registration'));
  }
}
