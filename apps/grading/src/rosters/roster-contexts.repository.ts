import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/** One course (platform + context) to refresh, and the activities whose serviceKeys may read its roster, best first. */
export interface RosterContext {
  platformId: string;
  contextId: string;
  resourceLinkIds: string[];
  lastLaunchAt: Date;
}

export interface RosterContextFilter {
  /** Contexts launched within this many days; ignored when a context is named. */
  activeDays: number;
  platformId?: string;
  contextId?: string;
}

interface Row {
  platform_id: string;
  context_id: string;
  resource_link_id: string;
  last_launch_at: Date;
  usable: boolean;
}

/**
 * Which contexts have a roster to refresh, from grading.contexts (filled from
 * LaunchCaptured): those whose launches offered NRPS. A roster belongs to the
 * course, but serviceKeys belong to activities, so each context lists its
 * activities: a key not known stale first, then the most recent launch.
 */
@Injectable()
export class RosterContextsRepository {
  constructor(private readonly db: DataSource) {}

  async list(filter: RosterContextFilter): Promise<RosterContext[]> {
    const named = filter.contextId !== undefined;
    const rows: Row[] = await this.db.query(
      `SELECT platform_id, context_id, resource_link_id, last_launch_at,
              (credential_stale_at IS NULL OR credential_stale_at < last_launch_at) AS usable
       FROM grading.contexts
       WHERE nrps_available AND last_launch_at IS NOT NULL
         AND ($1::boolean OR last_launch_at >= now() - $2 * interval '1 day')
         AND ($3::text IS NULL OR platform_id = $3) AND ($4::text IS NULL OR context_id = $4)
       ORDER BY platform_id, context_id, usable DESC, last_launch_at DESC, resource_link_id`,
      [named, filter.activeDays, filter.platformId ?? null, filter.contextId ?? null],
    );
    const contexts = new Map<string, RosterContext>();
    for (const r of rows) {
      const key = JSON.stringify([r.platform_id, r.context_id]);
      const known = contexts.get(key);
      if (known) {
        known.resourceLinkIds.push(r.resource_link_id);
        if (r.last_launch_at > known.lastLaunchAt) known.lastLaunchAt = r.last_launch_at;
      } else {
        contexts.set(key, { platformId: r.platform_id, contextId: r.context_id, resourceLinkIds: [r.resource_link_id], lastLaunchAt: r.last_launch_at });
      }
    }
    return [...contexts.values()];
  }
}
