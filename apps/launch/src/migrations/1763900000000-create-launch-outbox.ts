import type { MigrationInterface, QueryRunner } from 'typeorm';
import { outboxTableSql } from '@app/messaging';

/** The outbox LaunchCaptured events wait in while Kafka is slow or down. */
export class CreateLaunchOutbox1763900000000 implements MigrationInterface {
  name = 'CreateLaunchOutbox1763900000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const sql of outboxTableSql('launch').up) await queryRunner.query(sql);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const sql of outboxTableSql('launch').down) await queryRunner.query(sql);
  }
}
