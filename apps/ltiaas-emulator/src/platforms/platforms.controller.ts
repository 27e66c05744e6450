import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { LtiaasEndpoint } from '../auth/ltiaas-endpoint.decorator';
import { parseLtiaas } from '../common/validation';
import { ListPlatformsQuery, PlatformBody, PlatformView } from './platform.dto';
import { PlatformsService } from './platforms.service';

const BEARER = ['BEARER'] as const;
const body = { schema: z.toJSONSchema(PlatformBody, { io: 'input' }) as Record<string, unknown> };

/** The reference documents `/admin/platforms`; the SDK calls `/api/platforms`. Both are served. */
@ApiTags('LTIAAS: platforms')
@Controller(['admin/platforms', 'api/platforms'])
export class PlatformsController {
  constructor(private readonly platforms: PlatformsService) {}

  @Get()
  @LtiaasEndpoint({ name: 'platforms.list', auth: BEARER })
  @ApiOperation({ summary: 'Registered platforms; filters id, url, clientId' })
  list(@Query() query: unknown): { platforms: PlatformView[] } {
    return this.platforms.list(parseLtiaas(ListPlatformsQuery, query, 'query'));
  }

  @Get(':platformID')
  @LtiaasEndpoint({ name: 'platforms.get', auth: BEARER })
  get(@Param('platformID') id: string): PlatformView {
    return this.platforms.get(id);
  }

  @Post()
  @HttpCode(200)
  @LtiaasEndpoint({ name: 'platforms.create', auth: BEARER })
  @ApiBody(body)
  create(@Body() input: unknown): PlatformView {
    return this.platforms.create(parseLtiaas(PlatformBody, input, 'platform'));
  }

  @Put(':platformID')
  @LtiaasEndpoint({ name: 'platforms.update', auth: BEARER })
  @ApiBody(body)
  replace(@Param('platformID') id: string, @Body() input: unknown): PlatformView {
    return this.platforms.replace(id, parseLtiaas(PlatformBody, input, 'platform'));
  }

  @Delete(':platformID')
  @HttpCode(204)
  @LtiaasEndpoint({ name: 'platforms.delete', auth: BEARER })
  delete(@Param('platformID') id: string): void {
    this.platforms.delete(id);
  }

  @Post(':platformID/activate')
  @HttpCode(200)
  @LtiaasEndpoint({ name: 'platforms.activate', auth: BEARER })
  activate(@Param('platformID') id: string): void {
    this.platforms.setActive(id, true);
  }

  @Post(':platformID/deactivate')
  @HttpCode(200)
  @LtiaasEndpoint({ name: 'platforms.deactivate', auth: BEARER })
  deactivate(@Param('platformID') id: string): void {
    this.platforms.setActive(id, false);
  }
}
