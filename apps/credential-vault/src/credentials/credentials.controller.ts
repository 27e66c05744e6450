import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { apiSchema, NoStore, ZodValidationPipe } from '@app/http';
import { CallerOf, type Caller } from './caller';
import { CredentialsAccess } from './credentials-access';
import { CredentialsService } from './credentials.service';
import { resolvedCredential, resolveRequest, staleMark, staleRequest, type ResolvedCredential, type ResolveRequest, type StaleMark, type StaleRequest } from './dto/credentials.dto';

@ApiTags('credentials')
@Controller('v1/credentials')
@CredentialsAccess()
export class CredentialsController {
  constructor(private readonly credentials: CredentialsService) {}

  @Post('resolve')
  @HttpCode(200)
  @NoStore()
  @ApiOperation({ summary: 'The serviceKey of a launch context, and when it was captured' })
  @ApiBody({ schema: apiSchema(resolveRequest) })
  @ApiResponse({ status: 200, schema: apiSchema(resolvedCredential, 'output') })
  @ApiResponse({ status: 404, description: 'No serviceKey captured for this context' })
  @ApiResponse({ status: 409, description: 'The serviceKey is marked stale (or failed its integrity check) until the next launch' })
  resolve(@Body(new ZodValidationPipe(resolveRequest)) body: ResolveRequest, @CallerOf() caller: Caller): Promise<ResolvedCredential> {
    return this.credentials.resolve(body, caller);
  }

  @Post('stale')
  @HttpCode(200)
  @ApiOperation({ summary: 'Marks the serviceKey of a context stale (LTIAAS refused it); the next launch replaces it' })
  @ApiBody({ schema: apiSchema(staleRequest) })
  @ApiResponse({ status: 200, schema: apiSchema(staleMark, 'output') })
  @ApiResponse({ status: 404, description: 'No serviceKey captured for this context' })
  markStale(@Body(new ZodValidationPipe(staleRequest)) body: StaleRequest, @CallerOf() caller: Caller): Promise<StaleMark> {
    return this.credentials.markStale(body, caller);
  }
}
