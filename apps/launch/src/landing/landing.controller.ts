import { Controller, Get, Inject, Query, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ZodValidationPipe } from '@app/http';
import { launchQuery, type LaunchQuery } from '../capture/dto/launch-query';
import { ID_TOKEN_SOURCE, type IdTokenSource } from '../id-token/id-token.source';
import { LaunchRateLimitGuard } from '../admission/launch-rate-limit.guard';
import { PageErrorFilter } from '../pages/page-error.filter';
import { PAGE_HEADERS } from '../pages/html';
import { landingViewOf, renderLanding } from './landing.view';

/** The built-in tool page TOOL_APP_URL defaults to: shows what the launch carried. */
@ApiExcludeController()
@Controller('app')
@UseFilters(PageErrorFilter)
@UseGuards(LaunchRateLimitGuard)
export class LandingController {
  constructor(@Inject(ID_TOKEN_SOURCE) private readonly idTokens: IdTokenSource) {}

  @Get()
  async show(@Query(new ZodValidationPipe(launchQuery)) query: LaunchQuery, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const token = await this.idTokens.fetch(query.ltik, request.id);
    await reply.status(200).headers(PAGE_HEADERS).send(renderLanding(landingViewOf(token)));
  }
}
