import type { SealedSecret } from '../crypto';
import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** An issued API key: its handle, scopes, platforms and the keyed hash of its secret, never the secret. */
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

  /** Platform ids the key is limited to; null when unrestricted. */
  @Column('text', { array: true, nullable: true })
  platforms!: string[] | null;

  @Column('bytea', { name: 'key_hash' })
  keyHash!: Buffer;

  /** The master key that peppered key_hash; null for a plain SHA-256 stored before keyed hashing. */
  @Column('text', { name: 'hash_key_id', nullable: true })
  hashKeyId!: string | null;

  /** The key's SHA-256, envelope-encrypted, for re-peppering under a new master key. */
  @Column('jsonb', { name: 'key_digest', nullable: true })
  keyDigest!: SealedSecret | null;

  @Column('text', { name: 'key_prefix' })
  keyPrefix!: string;

  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' })
  createdAt!: Date;

  @Column('timestamptz', { name: 'last_used_at', nullable: true })
  lastUsedAt!: Date | null;

  @Column('timestamptz', { name: 'revoked_at', nullable: true })
  revokedAt!: Date | null;
}
