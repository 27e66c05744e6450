import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

export interface RosterIdentity {
  userId: string;
  platformId: string;
  name: string | null;
  email: string | null;
}

/** Who the rosters say a learner is, to find their scores by email as well as by user id. */
@Injectable()
export class RosterIdentitiesRepository {
  constructor(private readonly db: DataSource) {}

  /** Roster entries whose user id is `q`, or whose email is `q` (any case). */
  async identities(q: string): Promise<RosterIdentity[]> {
    const rows: Array<{ user_id: string; platform_id: string; name: string | null; email: string | null }> = await this.db.query(
      `SELECT DISTINCT ON (platform_id, user_id) user_id, platform_id, name, email
       FROM grading.roster_members
       WHERE user_id = $1 OR lower(email) = lower($1)
       ORDER BY platform_id, user_id, last_seen_at DESC
       LIMIT 50`,
      [q],
    );
    return rows.map((r) => ({ userId: r.user_id, platformId: r.platform_id, name: r.name, email: r.email }));
  }
}
