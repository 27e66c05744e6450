import { Injectable, Logger } from '@nestjs/common';
import { DeliverySignals } from '../common/delivery-signals';
import { ContextsRepository, type LaunchFacts } from './contexts.repository';

@Injectable()
export class ContextsService {
  private readonly logger = new Logger(ContextsService.name);

  constructor(
    private readonly contexts: ContextsRepository,
    private readonly signals: DeliverySignals,
  ) {}

  /** Records launches and wakes the scores that waited for one. */
  async recordLaunches(launches: LaunchFacts[]): Promise<void> {
    const woken = await this.contexts.recordLaunches(launches);
    this.signals.relaunched(launches);
    if (woken > 0) {
      this.logger.log({ woken, launches: launches.length }, 'launch woke scores waiting for a fresh serviceKey');
      this.signals.scoresDue();
    }
  }
}
