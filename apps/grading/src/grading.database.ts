import { dataSourceOptions, type AppDatabaseOptions } from '@app/database';
import type { GradingConfig } from './grading.config';
import { CreateScoreLedger1763900000000 } from './migrations/1763900000000-create-score-ledger';
import { CreateSyncRunsAndRosterMembers1764000000000 } from './migrations/1764000000000-create-sync-runs-and-roster-members';
import { AddLaunchSeenAtToContexts1764100000000 } from './migrations/1764100000000-add-launch-seen-at-to-contexts';
import { TrackScoreEvents1764200000000 } from './migrations/1764200000000-track-score-events';
import { ShareAimdWindowAndLineItemSends1764600000000 } from './migrations/1764600000000-share-aimd-window-and-line-item-sends';
import { MoveOutcomeEventsToTheSharedOutbox1764750000000 } from './migrations/1764750000000-move-outcome-events-to-the-shared-outbox';
import { LeaveRoomForInPlaceUpdates1764900000000 } from './migrations/1764900000000-leave-room-for-in-place-updates';

export const GRADING_CONFIG = Symbol('GRADING_CONFIG');

/**
 * Every entity and migration of the grading schema, in one list. The ledger
 * is written with set-based SQL (multi-row upserts, SKIP LOCKED claims), so
 * its repositories use the DataSource directly and no entity classes exist.
 */
export function gradingDatabase(config: Pick<GradingConfig, 'DATABASE_URL'>): AppDatabaseOptions {
  return { url: config.DATABASE_URL, schema: 'grading', applicationName: 'grading', entities: [], migrations: [CreateScoreLedger1763900000000, CreateSyncRunsAndRosterMembers1764000000000, AddLaunchSeenAtToContexts1764100000000, TrackScoreEvents1764200000000, ShareAimdWindowAndLineItemSends1764600000000, MoveOutcomeEventsToTheSharedOutbox1764750000000, LeaveRoomForInPlaceUpdates1764900000000], poolSize: 20 };
}

export const GRADING_DATABASE = (config: GradingConfig) => dataSourceOptions(gradingDatabase(config));
