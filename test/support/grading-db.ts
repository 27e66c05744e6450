// Grading's schema on a database of a suite's own, migrated exactly as the app
// does at boot, for suites that build its repositories directly over it.
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import type { ScoreReadyData } from '@app/contracts';
import { dataSourceOptions, migrateAtStartup } from '@app/database';
import { gradingDatabase } from '../../apps/grading/src/grading.database';
import type { IncomingScore } from '../../apps/grading/src/ledger/score-identity';
import { createTestDatabase, dropTestDatabase } from './infra';

export interface GradingDatabase {
  dataSource: DataSource;
  /** Closes the connections and drops the database. */
  close(): Promise<void>;
}

export async function openGradingDatabase(suite: string): Promise<GradingDatabase> {
  const url = await createTestDatabase(suite);
  // A small pool, yet more than one connection: suites run two callers at once to show the locks at work.
  const options = { ...gradingDatabase({ DATABASE_URL: url }), poolSize: 4 };
  const dataSource = new DataSource(dataSourceOptions(options));
  try {
    await migrateAtStartup(options, { run: true });
    await dataSource.initialize();
  } catch (error) {
    await dropTestDatabase(url);
    throw error;
  }
  return {
    dataSource,
    async close() {
      await dataSource.destroy().catch(() => undefined);
      await dropTestDatabase(url);
    },
  };
}

/** A ScoreReady as ingest hands it to the ledger: a fresh event id, and any field of the data overridden. */
export function incomingScore(data: Partial<ScoreReadyData> = {}, eventId: string = randomUUID()): IncomingScore {
  return {
    eventId,
    source: 'test',
    data: {
      platformId: 'https://lms.example',
      contextId: 'course-1',
      resourceLinkId: 'quiz-1',
      userId: 'learner-1',
      scoreGiven: 7,
      scoreMaximum: 10,
      activityProgress: 'Completed',
      gradingProgress: 'FullyGraded',
      timestamp: '2026-01-01T00:00:00.000Z',
      ...data,
    },
  };
}
