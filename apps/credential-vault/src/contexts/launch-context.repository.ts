import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { ContextTriple, LaunchCapturedData } from '@app/contracts';
import { isoOf } from '../credentials/sql';

/** What the vault knows about a launch context, none of it secret. */
export interface LaunchContextView extends ContextTriple {
  platform: { name?: string; url?: string; productFamilyCode?: string };
  context: { title?: string; label?: string };
  resourceLink: { title?: string };
  services: { assignmentAndGrades: { available: boolean; lineItemId?: string }; namesAndRoles: { available: boolean } };
  firstLaunchedAt: string;
  lastLaunchedAt: string;
  serviceKey: { present: false } | { present: true; capturedAt: string; stale: boolean; staleAt?: string; masterKeyId: string };
}

export interface ContextPageQuery {
  limit: number;
  /** The last triple of the previous page. */
  after?: ContextTriple;
  platformId?: string;
  contextId?: string;
}

interface Row {
  platform_id: string;
  context_id: string;
  resource_link_id: string;
  platform_name: string | null;
  platform_url: string | null;
  product_family_code: string | null;
  context_title: string | null;
  context_label: string | null;
  resource_link_title: string | null;
  ags_available: boolean;
  line_item_id: string | null;
  nrps_available: boolean;
  first_launched_at: string;
  last_launched_at: string;
  key_captured_at: string | null;
  key_stale_at: string | null;
  master_key_id: string | null;
}

/** The vault.launch_contexts table: the latest launch's facts per context. */
@Injectable()
export class LaunchContextRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Same ordering rule as the keys: only a later launch replaces the facts. */
  async upsert(data: LaunchCapturedData, eventTime: string, eventId: string, manager: EntityManager = this.dataSource.manager): Promise<boolean> {
    const rows: unknown[] = await manager.query(
      `INSERT INTO "vault"."launch_contexts" AS cur
         ("platform_id", "context_id", "resource_link_id", "platform_name", "platform_url", "product_family_code", "context_title", "context_label",
          "resource_link_title", "ags_available", "line_item_id", "nrps_available", "first_launched_at", "last_launched_at", "last_event_time", "last_event_id")
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13::timestamptz, $13::timestamptz, $14::timestamptz, $15)
       ON CONFLICT ("platform_id", "context_id", "resource_link_id") DO UPDATE SET
         "platform_name" = excluded."platform_name",
         "platform_url" = excluded."platform_url",
         "product_family_code" = excluded."product_family_code",
         "context_title" = excluded."context_title",
         "context_label" = excluded."context_label",
         "resource_link_title" = excluded."resource_link_title",
         "ags_available" = excluded."ags_available",
         "line_item_id" = excluded."line_item_id",
         "nrps_available" = excluded."nrps_available",
         "last_launched_at" = excluded."last_launched_at",
         "last_event_time" = excluded."last_event_time",
         "last_event_id" = excluded."last_event_id",
         "updated_at" = now()
       WHERE (excluded."last_launched_at", excluded."last_event_time", excluded."last_event_id") > (cur."last_launched_at", cur."last_event_time", cur."last_event_id")
       RETURNING 1`,
      [
        data.platformId,
        data.contextId,
        data.resourceLinkId,
        data.platform?.name ?? null,
        data.platform?.url ?? null,
        data.platform?.productFamilyCode ?? null,
        data.context?.title ?? null,
        data.context?.label ?? null,
        data.resourceLink?.title ?? null,
        data.services.assignmentAndGrades.available,
        data.services.assignmentAndGrades.lineItemId ?? null,
        data.services.namesAndRoles.available,
        data.launchedAt,
        eventTime,
        eventId,
      ],
    );
    return rows.length > 0;
  }

  async page(query: ContextPageQuery): Promise<LaunchContextView[]> {
    const rows: Row[] = await this.dataSource.query(
      `SELECT c."platform_id", c."context_id", c."resource_link_id", c."platform_name", c."platform_url", c."product_family_code",
              c."context_title", c."context_label", c."resource_link_title", c."ags_available", c."line_item_id", c."nrps_available",
              ${isoOf('c."first_launched_at"')} AS "first_launched_at", ${isoOf('c."last_launched_at"')} AS "last_launched_at",
              ${isoOf('k."captured_at"')} AS "key_captured_at", ${isoOf('k."stale_at"')} AS "key_stale_at", k."master_key_id"
         FROM "vault"."launch_contexts" c
         LEFT JOIN "vault"."service_keys" k USING ("platform_id", "context_id", "resource_link_id")
        WHERE ($1::text IS NULL OR c."platform_id" = $1)
          AND ($2::text IS NULL OR c."context_id" = $2)
          AND ($3::text IS NULL OR (c."platform_id", c."context_id", c."resource_link_id") > ($3, $4, $5))
        ORDER BY c."platform_id", c."context_id", c."resource_link_id"
        LIMIT $6`,
      [query.platformId ?? null, query.contextId ?? null, query.after?.platformId ?? null, query.after?.contextId ?? null, query.after?.resourceLinkId ?? null, query.limit],
    );
    return rows.map(toView);
  }
}

function toView(r: Row): LaunchContextView {
  const present = r.key_captured_at !== null && r.master_key_id !== null;
  return {
    platformId: r.platform_id,
    contextId: r.context_id,
    resourceLinkId: r.resource_link_id,
    platform: defined({ name: r.platform_name, url: r.platform_url, productFamilyCode: r.product_family_code }),
    context: defined({ title: r.context_title, label: r.context_label }),
    resourceLink: defined({ title: r.resource_link_title }),
    services: {
      assignmentAndGrades: { available: r.ags_available, ...(r.line_item_id ? { lineItemId: r.line_item_id } : {}) },
      namesAndRoles: { available: r.nrps_available },
    },
    firstLaunchedAt: r.first_launched_at,
    lastLaunchedAt: r.last_launched_at,
    serviceKey: present
      ? { present: true, capturedAt: r.key_captured_at!, stale: r.key_stale_at !== null, ...(r.key_stale_at ? { staleAt: r.key_stale_at } : {}), masterKeyId: r.master_key_id! }
      : { present: false },
  };
}

function defined<T extends Record<string, string | null>>(value: T): { [K in keyof T]?: string } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null)) as { [K in keyof T]?: string };
}
