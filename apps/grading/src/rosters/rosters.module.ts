import { Module } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { ContextTriple } from '@app/contracts';
import { DeliveryCoordinator } from '../delivery/delivery.coordinator';
import { LTIAAS_PORT } from '../delivery/ports';
import { MEMBERSHIP_SOURCE, ROSTER_CREDENTIALS, ROSTER_EVENTS, type MembershipSource, type RosterCredentials } from './ports';
import { RosterContextsRepository } from './roster-contexts.repository';
import { KafkaRosterEvents } from './roster-events.publisher';
import { RosterMembersRepository } from './roster-members.repository';
import { RosterProgressRepository } from './roster-progress.repository';
import { RosterRefreshJob } from './roster-refresh.job';
import { RosterRefreshService } from './roster-refresh.service';

/**
 * Delivery's credential resolver (one serviceKey cache per process, emptied
 * on relaunch) and its LTIAAS client (one connection pool), looked up when
 * first used: DeliveryModule keeps them to itself.
 */
function fromDelivery(refs: ModuleRef): { credentials: RosterCredentials; memberships: MembershipSource } {
  const coordinator = () => refs.get(DeliveryCoordinator, { strict: false });
  const client = () => {
    const port: unknown = refs.get(LTIAAS_PORT, { strict: false });
    if (typeof (port as Partial<MembershipSource>).iterateMemberships !== 'function') throw new Error('the LTIAAS client in use cannot list memberships');
    return port as MembershipSource;
  };
  return {
    credentials: {
      resolve: (triple: ContextTriple) => coordinator().credentials.resolve(triple),
      forget: (triple: ContextTriple) => coordinator().credentials.forget(triple),
      blame: (error: unknown) => coordinator().accountKey.blame(error),
    },
    memberships: { iterateMemberships: (cred, query, call) => client().iterateMemberships(cred, query, call) },
  };
}

@Module({
  providers: [
    { provide: ROSTER_CREDENTIALS, inject: [ModuleRef], useFactory: (refs: ModuleRef) => fromDelivery(refs).credentials },
    { provide: MEMBERSHIP_SOURCE, inject: [ModuleRef], useFactory: (refs: ModuleRef) => fromDelivery(refs).memberships },
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
