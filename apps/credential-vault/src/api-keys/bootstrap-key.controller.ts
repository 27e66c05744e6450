import { Controller, Delete, HttpCode, UseGuards } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { JwtAuthGuard, Principal, Scopes, type AuthPrincipal } from '@app/auth';
import { BootstrapKeyService } from './bootstrap-key.service';

@ApiTags('api-keys')
@Controller('v1/bootstrap-key')
@UseGuards(JwtAuthGuard)
@Scopes('admin')
export class BootstrapKeyController {
  constructor(private readonly bootstrap: BootstrapKeyService) {}

  /** Idempotent: disabling twice answers the first disable. */
  @Delete()
  @HttpCode(200)
  @ApiOperation({ summary: 'Disable the bootstrap admin key for good' })
  @ApiOkResponse({
    description: 'BOOTSTRAP_ADMIN_API_KEY is refused from now on, on every replica, also after restarts; its tokens too',
    schema: {
      type: 'object',
      properties: { disabled: { type: 'boolean', enum: [true] }, disabledAt: { type: 'string', format: 'date-time' }, disabledBy: { type: 'string' } },
      required: ['disabled', 'disabledAt', 'disabledBy'],
    },
  })
  disable(@Principal() admin: AuthPrincipal): Promise<{ disabled: true; disabledAt: string; disabledBy: string }> {
    return this.bootstrap.disable(admin.handle);
  }
}
