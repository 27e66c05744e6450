import { BadRequestException, Body, Controller, Delete, Get, HttpCode, Param, Post, UseGuards } from '@nestjs/common';
import { ApiBody, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { JwtAuthGuard, Principal, Scopes, type AuthPrincipal } from '@app/auth';
import { apiSchema, describeIssues, NoStore } from '@app/http';
import { ApiKeyRequestMetrics } from './api-key-request.metrics';
import { ApiKeysService } from './api-keys.service';
import { apiKeyList, apiKeyView, createdApiKeyView } from './dto/api-key.response';
import type { ApiKeyView, CreatedApiKeyView } from './dto/api-key.view';
import { createApiKeyBody } from './dto/create-api-key.dto';

@ApiTags('api-keys')
@Controller('v1/keys')
@UseGuards(JwtAuthGuard)
@Scopes('admin')
export class ApiKeysController {
  constructor(
    private readonly keys: ApiKeysService,
    private readonly metrics: ApiKeyRequestMetrics,
  ) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({ summary: 'Create an API key' })
  @NoStore()
  @ApiBody({ schema: apiSchema(createApiKeyBody) })
  @ApiCreatedResponse({ description: 'the key, with its secret in `apiKey`: shown this once, never again', schema: apiSchema(createdApiKeyView, 'output') })
  create(@Body() raw: unknown, @Principal() admin: AuthPrincipal): Promise<CreatedApiKeyView> {
    const parsed = createApiKeyBody.safeParse(raw);
    if (!parsed.success) {
      const field = parsed.error.issues[0]?.path[0];
      this.metrics.refusedFor(typeof field === 'string' ? field : 'body');
      throw new BadRequestException(describeIssues(parsed.error));
    }
    return this.keys.create(parsed.data, admin.handle);
  }

  @Get()
  @ApiOperation({ summary: 'List API keys (never their secrets)' })
  @ApiOkResponse({ description: 'every key\'s metadata', schema: apiSchema(apiKeyList, 'output') })
  async list(): Promise<{ keys: ApiKeyView[] }> {
    return { keys: await this.keys.list() };
  }

  @Get(':handle')
  @ApiOperation({ summary: 'Read one API key (never its secret)' })
  @ApiOkResponse({ description: 'the key\'s metadata', schema: apiSchema(apiKeyView, 'output') })
  get(@Param('handle') handle: string): Promise<ApiKeyView> {
    return this.keys.get(handle);
  }

  @Delete(':handle')
  @HttpCode(204)
  @ApiOperation({ summary: 'Revoke an API key at once' })
  @ApiNoContentResponse({ description: 'revoked: the key is refused at /v1/token from now on, and its tokens everywhere within seconds' })
  revoke(@Param('handle') handle: string, @Principal() admin: AuthPrincipal): Promise<void> {
    return this.keys.revoke(handle, admin.handle);
  }
}
