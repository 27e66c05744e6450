import type { DataSource, QueryRunner } from 'typeorm';
import { advisoryLockKey } from '@app/database';

/**
 * One runner of a job across every replica: a PostgreSQL session advisory
 * lock held on a connection of its own for the whole run. The lock goes away
 * with the session, so a killed process frees it at once; `ping` tells the
 * holder when its connection (and so the lock) was lost.
 */
export class JobLock {
  private released = false;

  private constructor(
    private readonly runner: QueryRunner,
    private readonly key: string,
  ) {}

  static keyFor(job: string): string {
    return advisoryLockKey(`grading:job:${job}`);
  }

  /** The lock, or undefined when another session holds it. */
  static async tryAcquire(db: DataSource, job: string): Promise<JobLock | undefined> {
    const runner = db.createQueryRunner();
    await runner.connect();
    const key = JobLock.keyFor(job);
    try {
      const [row]: Array<{ locked: boolean }> = await runner.query('SELECT pg_try_advisory_lock($1::bigint) AS locked', [key]);
      if (row.locked) return new JobLock(runner, key);
    } catch (error) {
      await runner.release();
      throw error;
    }
    await runner.release();
    return undefined;
  }

  /** Throws when the lock's connection is gone. */
  async ping(): Promise<void> {
    await this.runner.query('SELECT 1');
  }

  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    try {
      await this.runner.query('SELECT pg_advisory_unlock($1::bigint)', [this.key]);
    } catch {
      // The session is gone, and the lock with it.
    } finally {
      await this.runner.release().catch(() => undefined);
    }
  }
}
