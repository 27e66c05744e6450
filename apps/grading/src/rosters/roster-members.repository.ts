import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { rowsOf } from '@app/database';

export interface RosterMember {
  userId: string;
  roles: string[];
  status: 'Active' | 'Inactive' | 'Deleted';
  /** Only what the LMS sent this time: a name or email it no longer shares is not kept. */
  name?: string;
  email?: string;
}

export interface CourseRef {
  platformId: string;
  contextId: string;
}

/** grading.roster_members: the last roster seen per course. */
@Injectable()
export class RosterMembersRepository {
  constructor(private readonly db: DataSource) {}

  /**
   * One multi-row upsert; every member is stamped with the run that saw it,
   * which is how `deactivateUnseen` finds those that vanished.
   */
  async upsert(course: CourseRef, runId: string, members: RosterMember[]): Promise<void> {
    const unique = [...new Map(members.map((m) => [m.userId, m])).values()];
    if (unique.length === 0) return;
    await this.db.query(
      `INSERT INTO grading.roster_members AS m
         (platform_id, context_id, user_id, roles, status, name, email, last_seen_run_id, last_seen_at, removed_at, updated_at)
       SELECT $1, $2, v.user_id, ARRAY(SELECT jsonb_array_elements_text(v.roles)), v.status, v.name, v.email, $3::bigint, now(), NULL, now()
       FROM unnest($4::text[], $5::jsonb[], $6::text[], $7::text[], $8::text[]) AS v(user_id, roles, status, name, email)
       ON CONFLICT (platform_id, context_id, user_id) DO UPDATE SET
         roles = EXCLUDED.roles,
         status = EXCLUDED.status,
         name = EXCLUDED.name,
         email = EXCLUDED.email,
         last_seen_run_id = EXCLUDED.last_seen_run_id,
         last_seen_at = EXCLUDED.last_seen_at,
         removed_at = NULL,
         updated_at = CASE
           WHEN (m.roles, m.status, m.name, m.email, m.removed_at) IS DISTINCT FROM (EXCLUDED.roles, EXCLUDED.status, EXCLUDED.name, EXCLUDED.email, NULL::timestamptz)
           THEN now() ELSE m.updated_at END`,
      [
        course.platformId,
        course.contextId,
        runId,
        unique.map((m) => m.userId),
        unique.map((m) => JSON.stringify(m.roles)),
        unique.map((m) => m.status),
        unique.map((m) => m.name ?? null),
        unique.map((m) => m.email ?? null),
      ],
    );
  }

  /** Members of the course the run did not see: no longer enrolled. Answers how many were marked. */
  async deactivateUnseen(course: CourseRef, runId: string): Promise<number> {
    const rows = rowsOf<{ user_id: string }>(await this.db.query(
      `UPDATE grading.roster_members SET status = 'Inactive', removed_at = now(), updated_at = now()
       WHERE platform_id = $1 AND context_id = $2 AND last_seen_run_id IS DISTINCT FROM $3::bigint AND removed_at IS NULL
       RETURNING user_id`,
      [course.platformId, course.contextId, runId],
    ));
    return rows.length;
  }
}
