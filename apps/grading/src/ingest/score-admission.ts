import { Inject, Injectable } from '@nestjs/common';
import type { ScoreReadyData } from '@app/contracts';
import { futureSkewIssue } from '../common/future-skew';
import type { GradingConfig } from '../grading.config';
import { GRADING_CONFIG } from '../grading.database';

export { futureSkewIssue };

/** The clock-dependent admission rules, shared by HTTP ingest and the Kafka consumer. */
@Injectable()
export class ScoreAdmission {
  private readonly maxSkewSeconds: number;

  constructor(@Inject(GRADING_CONFIG) config: Pick<GradingConfig, 'SCORE_MAX_FUTURE_SKEW_SECONDS'>) {
    this.maxSkewSeconds = config.SCORE_MAX_FUTURE_SKEW_SECONDS;
  }

  issue(data: ScoreReadyData): string | undefined {
    return futureSkewIssue(data, Date.now(), this.maxSkewSeconds);
  }
}
