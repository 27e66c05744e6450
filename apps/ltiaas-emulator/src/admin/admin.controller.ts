import { Body, Controller, Delete, Get, HttpCode, NotFoundException, Param, Post, Put, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { CredentialsStore } from '../auth/credentials.store';
import { parseAdmin } from '../common/validation';
import { EnrollmentService } from '../launches/enrollment.service';
import { LaunchResult, LaunchService } from '../launches/launch.service';
import { PlatformSettings } from '../lms/lms.types';
import { RegistryStore } from '../lms/registry.store';
import { RegistrationStore } from '../registrations/registration.store';
import { AdminKeyGuard } from './admin-key.guard';
import { EnrollInput, LaunchInput, PlatformSettingsInput, RegistrationInput, RevokeInput } from './dto/admin.dto';

/** Setting the LMS up: launches, rosters, credentials, platform behaviour. See README for the contract. */
@ApiExcludeController()
@UseGuards(AdminKeyGuard)
@Controller('__admin')
export class AdminController {
  constructor(
    private readonly launches: LaunchService,
    private readonly enrollment: EnrollmentService,
    private readonly credentials: CredentialsStore,
    private readonly registry: RegistryStore,
    private readonly registrations: RegistrationStore,
  ) {}

  @Post('launches')
  launch(@Body() body: unknown): LaunchResult {
    return this.launches.launch(parseAdmin(LaunchInput, body));
  }

  @Post('platforms/:platformId/courses/:contextId/members')
  @HttpCode(204)
  enroll(@Param('platformId') platformId: string, @Param('contextId') contextId: string, @Body() body: unknown): void {
    this.enrollment.enroll(platformId, contextId, parseAdmin(EnrollInput, body).members);
  }

  @Delete('platforms/:platformId/courses/:contextId/members/:userId')
  @HttpCode(204)
  unenroll(@Param('platformId') platformId: string, @Param('contextId') contextId: string, @Param('userId') userId: string): void {
    this.enrollment.unenroll(platformId, contextId, userId);
  }

  /** POST with the key in the body: secrets stay out of URLs and request logs. */
  @Post('service-keys/revoke')
  @HttpCode(204)
  revoke(@Body() body: unknown): void {
    if (!this.credentials.revokeServiceKey(parseAdmin(RevokeInput, body).serviceKey)) {
      throw new NotFoundException('unknown serviceKey');
    }
  }

  @Get('platforms/:platformId/settings')
  settings(@Param('platformId') platformId: string): PlatformSettings {
    return this.registry.settingsOf(platformId);
  }

  @Put('platforms/:platformId/settings')
  configure(@Param('platformId') platformId: string, @Body() body: unknown): PlatformSettings {
    const input = parseAdmin(PlatformSettingsInput, body);
    const patch: Partial<PlatformSettings> = {};
    if (input.timestampMode !== undefined) patch.timestampMode = input.timestampMode;
    if (input.rateLimit !== undefined) patch.rateLimit = input.rateLimit;
    return this.registry.configure(platformId, patch);
  }

  @Post('registrations')
  createRegistration(@Body() body: unknown): { registrationId: string } {
    const input = parseAdmin(RegistrationInput, body ?? {});
    const reg = this.registrations.create({
      url: input.url ?? 'https://lms.example.com',
      familyCode: input.familyCode ?? 'canvas',
      version: input.version ?? '1.0',
    });
    return { registrationId: reg.id };
  }
}
