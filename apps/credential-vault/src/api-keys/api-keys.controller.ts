import { Body, Controller, Delete, Get, HttpCode, Param, Post, UseGuards } from '@nestjs/common';
import { ApiBody, ApiCreatedResponse, ApiNoContentResponse, ApiTags } from '@nestjs/swagger';
import { JwtAuthGuard, Principal, Scopes, type AuthPrincipal } from '@app/auth';
import { apiSchema, ZodValidationPipe } from '@app/http';
import { ApiKeysService } from './api-keys.service';
import type { ApiKeyView, CreatedApiKeyView } from './dto/api-key.view';
import { createApiKeyBody, type CreateApiKeyBody } from './dto/create-api-key.dto';

@ApiTags('api-keys')
@Controller('v1/keys')
@UseGuards(JwtAuthGuard)
@Scopes('admin')
export class ApiKeysController {
  constructor(private readonly keys: ApiKeysService) {}

  @Post()
  @HttpCode(201)
  @ApiBody({ schema: apiSchema(createApiKeyBody) })
  @ApiCreatedResponse({ description: 'the key, with its secret in `apiKey`: shown this once, never again' })
  create(@Body(new ZodValidationPipe(createApiKeyBody)) body: CreateApiKeyBody, @Principal() admin: AuthPrincipal): Promise<CreatedApiKeyView> {
    return this.keys.create(body, admin.handle);
  }

  @Get()
  async list(): Promise<{ keys: ApiKeyView[] }> {
    return { keys: await this.keys.list() };
  }

  @Get(':handle')
  get(@Param('handle') handle: string): Promise<ApiKeyView> {
    return this.keys.get(handle);
  }

  @Delete(':handle')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'revoked: the key is refused at /v1/token from now on' })
  revoke(@Param('handle') handle: string, @Principal() admin: AuthPrincipal): Promise<void> {
    return this.keys.revoke(handle, admin.handle);
  }
}
