import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { SIGNING_KEY_SETTINGS, SigningKeysService, type SigningKeySettings } from './signing-keys.service';

const JOB = 'signing-key-rotation';
const MAX_CHECK_INTERVAL_MS = 5 * 60_000;

/**
 * Rotates the signing key when the active one is older than
 * JWT_ROTATION_HOURS. Every replica checks; the database decides (see
 * SigningKeysRepository.rotate), so the period holds across restarts and
 * replicas and exactly one of them rotates.
 */
@Injectable()
export class SigningKeyRotationJob implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(SigningKeyRotationJob.name);
  private running = false;

  constructor(
    private readonly keys: SigningKeysService,
    private readonly scheduler: SchedulerRegistry,
    @Inject(SIGNING_KEY_SETTINGS) private readonly settings: SigningKeySettings,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.keys.rotate('if-missing');
    const every = Math.max(1_000, Math.min(MAX_CHECK_INTERVAL_MS, (this.settings.rotationHours * 3_600_000) / 10));
    const timer = setInterval(() => void this.tick(), every);
    timer.unref();
    this.scheduler.addInterval(JOB, timer);
  }

  beforeApplicationShutdown(): void {
    if (this.scheduler.doesExist('interval', JOB)) this.scheduler.deleteInterval(JOB);
  }

  private async tick(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      await this.keys.rotate('if-due');
    } catch (error) {
      this.logger.error({ err: error }, 'signing key rotation check failed; retrying at the next tick');
    } finally {
      this.running = false;
    }
  }
}
