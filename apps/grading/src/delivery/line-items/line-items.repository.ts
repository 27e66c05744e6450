import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { ContextTriple } from '@app/contracts';
import { advisoryLockKey } from '@app/database';

/** Resolved line item ids per (context triple, selector), shared by every replica. */
@Injectable()
export class LineItemsRepository {
  constructor(private readonly db: DataSource) {}

  async find(triple: ContextTriple, key: string): Promise<string | undefined> {
    const rows: Array<{ line_item_id: string }> = await this.db.query(
      `SELECT line_item_id FROM grading.line_items WHERE platform_id = $1 AND context_id = $2 AND resource_link_id = $3 AND line_item_key = $4`,
      [triple.platformId, triple.contextId, triple.resourceLinkId, key],
    );
    return rows[0]?.line_item_id;
  }

  async save(triple: ContextTriple, key: string, lineItemId: string, createdByGrading: boolean): Promise<void> {
    await this.db.query(
      `INSERT INTO grading.line_items (platform_id, context_id, resource_link_id, line_item_key, line_item_id, created_by_grading)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (platform_id, context_id, resource_link_id, line_item_key)
       DO UPDATE SET line_item_id = EXCLUDED.line_item_id, created_by_grading = EXCLUDED.created_by_grading, resolved_at = now()`,
      [triple.platformId, triple.contextId, triple.resourceLinkId, key, lineItemId, createdByGrading],
    );
  }

  async forget(triple: ContextTriple, key: string, lineItemId: string): Promise<void> {
    await this.db.query(
      `DELETE FROM grading.line_items WHERE platform_id = $1 AND context_id = $2 AND resource_link_id = $3 AND line_item_key = $4 AND line_item_id = $5`,
      [triple.platformId, triple.contextId, triple.resourceLinkId, key, lineItemId],
    );
  }

  /**
   * Runs `fn` while holding a cluster-wide lock for one selector, so two
   * replicas never both create the line item (a POST is not idempotent).
   */
  async exclusively<T>(triple: ContextTriple, key: string, fn: () => Promise<T>): Promise<T> {
    const lock = advisoryLockKey(`line-item:${JSON.stringify([triple.platformId, triple.contextId, triple.resourceLinkId, key])}`);
    return this.db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1::bigint)', [lock]);
      return fn();
    });
  }
}
