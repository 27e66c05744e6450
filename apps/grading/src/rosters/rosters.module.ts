import { Module } from '@nestjs/common';
import { AccountKeyCheck } from '../credentials/account-key.check';
import { CredentialResolver } from '../credentials/credential.resolver';
import { CredentialsModule } from '../credentials/credentials.module';
import { LTIAAS_PORT, type LtiaasClientPort } from '../credentials/ports';
import { GradingMetricsModule } from '../metrics/metrics.module';
import { MEMBERSHIP_SOURCE, ROSTER_CREDENTIALS, ROSTER_EVENTS, type MembershipSource, type RosterCredentials } from './ports';
import { RosterContextsRepository } from './roster-contexts.repository';
import { KafkaRosterEvents } from './roster-events.publisher';
import { RosterMembersRepository } from './roster-members.repository';
import { RosterProgressRepository } from './roster-progress.repository';
import { RosterRefreshJob } from './roster-refresh.job';
import { RosterRefreshService } from './roster-refresh.service';

/** serviceKeys as delivery gets them: the same cache (emptied on relaunch) and the same account-key check. */
function rosterCredentials(credentials: CredentialResolver, accountKey: AccountKeyCheck): RosterCredentials {
  return {
    resolve: (triple) => credentials.resolve(triple),
    forget: (triple) => credentials.forget(triple),
    blame: (error) => accountKey.blame(error),
  };
}

@Module({
  imports: [CredentialsModule, GradingMetricsModule],
  providers: [
    { provide: ROSTER_CREDENTIALS, inject: [CredentialResolver, AccountKeyCheck], useFactory: rosterCredentials },
    { provide: MEMBERSHIP_SOURCE, inject: [LTIAAS_PORT], useFactory: (ltiaas: LtiaasClientPort): MembershipSource => ltiaas },
    { provide: ROSTER_EVENTS, useClass: KafkaRosterEvents },
    RosterContextsRepository,
    RosterMembersRepository,
    RosterProgressRepository,
    RosterRefreshService,
    RosterRefreshJob,
  ],
  exports: [RosterRefreshJob, RosterProgressRepository],
})
export class RostersModule {}
