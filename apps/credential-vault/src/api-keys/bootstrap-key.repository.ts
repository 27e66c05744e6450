import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { rowsOf } from '@app/database';

export interface BootstrapKeyDisabled {
  disabledAt: Date;
  disabledBy: string;
}

/** Whether BOOTSTRAP_ADMIN_API_KEY was disabled (vault.bootstrap_key_state). */
@Injectable()
export class BootstrapKeyRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async disabled(): Promise<BootstrapKeyDisabled | null> {
    const rows = (await this.db.query(`SELECT disabled_at, disabled_by FROM vault.bootstrap_key_state`)) as Array<{ disabled_at: Date; disabled_by: string }>;
    return rows[0] ? { disabledAt: rows[0].disabled_at, disabledBy: rows[0].disabled_by } : null;
  }

  /** Disables it; false when it already was. */
  async disable(actor: string): Promise<boolean> {
    const rows = rowsOf(await this.db.query(`INSERT INTO vault.bootstrap_key_state (disabled_by) VALUES ($1) ON CONFLICT DO NOTHING RETURNING 1`, [actor]));
    return rows.length > 0;
  }
}
