import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

/** One audit row: who did what to which subject. `detail` must never carry a secret. */
export interface AuditEntry {
  /** The API key handle, `bootstrap:admin`, or a system actor such as `consumer:credential-vault`. */
  actor: string;
  /** `<subject>.<verb>`, e.g. `service-key.store`. */
  action: string;
  subjectType: string;
  subjectId: string;
  detail?: Record<string, unknown>;
  correlationId?: string;
}

export interface AuditRecord extends Required<Omit<AuditEntry, 'correlationId'>> {
  id: string;
  at: string;
  correlationId: string | null;
}

const SECRET_FIELDS = new Set(['secret', 'serviceKey', 'plaintext', 'apiKey', 'token', 'password', 'ciphertext', 'wrappedKey', 'wrappedDataKey', 'privateKey']);

/** Appends audit rows, inside the caller's transaction when it passes one. */
@Injectable()
export class AuditLog {
  constructor(private readonly dataSource: DataSource) {}

  async record(entries: AuditEntry | readonly AuditEntry[], manager: EntityManager = this.dataSource.manager): Promise<void> {
    const list = Array.isArray(entries) ? entries : [entries as AuditEntry];
    if (list.length === 0) return;
    const params: unknown[] = [];
    const rows = list.map((e) => {
      assertNoSecret(e.detail);
      params.push(e.actor, e.action, e.subjectType, e.subjectId, JSON.stringify(e.detail ?? {}), e.correlationId ?? null);
      const n = params.length;
      return `($${n - 5}, $${n - 4}, $${n - 3}, $${n - 2}, $${n - 1}::jsonb, $${n})`;
    });
    await manager.query(`INSERT INTO "vault"."audit_log" ("actor", "action", "subject_type", "subject_id", "detail", "correlation_id") VALUES ${rows.join(', ')}`, params);
  }

  async list(filter: { subjectType?: string; subjectId?: string; action?: string; limit?: number } = {}): Promise<AuditRecord[]> {
    const rows: Array<{ id: string; at: Date; actor: string; action: string; subject_type: string; subject_id: string; detail: Record<string, unknown>; correlation_id: string | null }> =
      await this.dataSource.query(
        `SELECT "id", "at", "actor", "action", "subject_type", "subject_id", "detail", "correlation_id" FROM "vault"."audit_log"
          WHERE ($1::text IS NULL OR "subject_type" = $1) AND ($2::text IS NULL OR "subject_id" = $2) AND ($3::text IS NULL OR "action" = $3)
          ORDER BY "id" LIMIT $4`,
        [filter.subjectType ?? null, filter.subjectId ?? null, filter.action ?? null, filter.limit ?? 1000],
      );
    return rows.map((r) => ({
      id: String(r.id),
      at: r.at.toISOString(),
      actor: r.actor,
      action: r.action,
      subjectType: r.subject_type,
      subjectId: r.subject_id,
      detail: r.detail,
      correlationId: r.correlation_id,
    }));
  }
}

function assertNoSecret(detail: Record<string, unknown> | undefined): void {
  for (const key of Object.keys(detail ?? {})) {
    if (SECRET_FIELDS.has(key)) throw new Error(`audit detail must not carry "${key}"`);
  }
}
