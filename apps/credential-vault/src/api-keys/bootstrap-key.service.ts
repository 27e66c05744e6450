import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { DomainError } from '@app/http';
import { API_KEY_SETTINGS, type ApiKeySettings } from './api-key.authenticator';
import { ApiKeyRevocation } from './api-key.revocation';
import { BootstrapKeyRepository } from './bootstrap-key.repository';

/**
 * Retiring BOOTSTRAP_ADMIN_API_KEY: once an admin key of its own exists, the
 * bootstrap key is disabled for good (in the database, so it holds across
 * restarts and replicas); presenting it then gets a 401 that says so.
 */
@Injectable()
export class BootstrapKeyService implements OnApplicationBootstrap {
  private readonly logger = new Logger(BootstrapKeyService.name);

  constructor(
    private readonly state: BootstrapKeyRepository,
    private readonly revocation: ApiKeyRevocation,
    @Inject(API_KEY_SETTINGS) private readonly settings: ApiKeySettings,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.settings.bootstrapAdminKey) return;
    const disabled = await this.state.disabled();
    if (disabled) {
      this.logger.warn({ disabledAt: disabled.disabledAt.toISOString(), disabledBy: disabled.disabledBy }, 'bootstrap key set but disabled: BOOTSTRAP_ADMIN_API_KEY is refused; remove it from the environment');
    }
  }

  async disable(actor: string): Promise<{ disabled: true; disabledAt: string; disabledBy: string }> {
    if (!this.settings.bootstrapAdminKey && !(await this.state.disabled())) {
      // Still recorded: a bootstrap key set later must not come back to life.
      this.logger.log({ actor }, 'disabling the bootstrap key although none is configured');
    }
    const changed = await this.state.disable(actor);
    this.revocation.bootstrapDisabledNow();
    const state = await this.state.disabled();
    if (!state) throw new DomainError('unavailable', 'the bootstrap key state could not be read back');
    if (changed) this.logger.log({ actor }, 'bootstrap key disabled');
    return { disabled: true, disabledAt: state.disabledAt.toISOString(), disabledBy: state.disabledBy };
  }
}
