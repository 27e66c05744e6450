import { Module } from '@nestjs/common';
import { LedgerMaintenanceRepository } from './ledger-maintenance.repository';
import { LedgerQueryRepository } from './ledger-query.repository';
import { LedgerStatsRepository } from './ledger-stats.repository';
import { LedgerWriterRepository } from './ledger-writer.repository';
import { LedgerMetrics } from './ledger.metrics';
import { LedgerService } from './ledger.service';
import { OperatorReadModelRepository } from './operator-read-model.repository';
import { ReofferProgressRepository } from './reoffer-progress.repository';
import { ScoreClaimRepository } from './score-claim.repository';
import { ScoreCompletionRepository } from './score-completion.repository';
import { ScoreEventQueryRepository } from './score-event-query.repository';
import { ScoresController } from './scores.controller';

/** The owner of grading.scores: other features read and write it through the service and repositories exported here. */
@Module({
  controllers: [ScoresController],
  providers: [
    LedgerWriterRepository,
    LedgerQueryRepository,
    ScoreEventQueryRepository,
    LedgerMaintenanceRepository,
    LedgerStatsRepository,
    ReofferProgressRepository,
    OperatorReadModelRepository,
    ScoreClaimRepository,
    ScoreCompletionRepository,
    LedgerService,
    LedgerMetrics,
  ],
  exports: [LedgerService, LedgerMaintenanceRepository, LedgerStatsRepository, ReofferProgressRepository, OperatorReadModelRepository, ScoreClaimRepository, ScoreCompletionRepository],
})
export class LedgerModule {}
