import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/** The request rates delivery works at, from the budgets every replica shares. */
@Injectable()
export class PlatformRatesRepository {
  constructor(private readonly db: DataSource) {}

  /** Each platform's current request rate (requests per second). */
  async rates(): Promise<Map<string, number>> {
    const rows: Array<{ platform_id: string; rate: number }> = await this.db.query(`SELECT platform_id, rate FROM grading.platform_budgets`);
    return new Map(rows.map((r) => [r.platform_id, Number(r.rate)]));
  }
}
