import { Controller, Get, Header, Query, Redirect, Req, UseFilters, UseGuards } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { ZodValidationPipe } from '@app/http';
import { LaunchRateLimitGuard } from '../admission/launch-rate-limit.guard';
import { PageErrorFilter } from '../pages/page-error.filter';
import { CaptureService } from './capture.service';
import { launchQuery, type LaunchQuery } from './dto/launch-query';

@ApiTags('launch')
@Controller('launch')
@UseFilters(PageErrorFilter)
@UseGuards(LaunchRateLimitGuard)
export class CaptureController {
  constructor(private readonly captures: CaptureService) {}

  @Get()
  @Redirect(undefined, 302)
  @Header('Cache-Control', 'no-store')
  @Header('Referrer-Policy', 'no-referrer')
  @ApiOperation({ summary: 'Where LTIAAS sends the browser: captures the launch (serviceKey sealed for the vault), then redirects to the tool' })
  @ApiQuery({ name: 'ltik', required: true, description: 'The launch token LTIAAS appended' })
  @ApiResponse({ status: 302, description: 'To TOOL_APP_URL with the ltik' })
  @ApiResponse({ status: 400, description: 'Missing or malformed ltik' })
  @ApiResponse({ status: 401, description: 'LTIAAS refused the ltik (invalid or expired); an HTML page for browsers' })
  @ApiResponse({ status: 429, description: 'LAUNCH_RATE_LIMIT reached for the client address; see Retry-After' })
  @ApiResponse({ status: 502, description: 'LTIAAS could not be reached' })
  @ApiResponse({ status: 503, description: 'LAUNCH_LTIAAS_MAX_IN_FLIGHT LTIAAS calls already in flight; see Retry-After' })
  async launch(@Query(new ZodValidationPipe(launchQuery)) query: LaunchQuery, @Req() request: FastifyRequest): Promise<{ url: string; statusCode: number }> {
    const outcome = await this.captures.capture(query.ltik, request.id);
    return { url: outcome.redirectTo, statusCode: 302 };
  }
}
