import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** An issued API key: its handle, scopes and the SHA-256 of its secret, never the secret. */
@Entity({ schema: 'vault', name: 'api_keys' })
export class ApiKeyEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column('text')
  handle!: string;

  @Column('text', { nullable: true })
  alias!: string | null;

  @Column('text', { array: true })
  scopes!: string[];

  @Column('bytea', { name: 'key_hash' })
  keyHash!: Buffer;

  @Column('text', { name: 'key_prefix' })
  keyPrefix!: string;

  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' })
  createdAt!: Date;

  @Column('timestamptz', { name: 'last_used_at', nullable: true })
  lastUsedAt!: Date | null;

  @Column('timestamptz', { name: 'revoked_at', nullable: true })
  revokedAt!: Date | null;
}
