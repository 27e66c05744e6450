import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { JWK } from 'jose';
import type { SealedSecret } from '../crypto';

/**
 * A token-signing key pair. Pending (activated_at null): published, not yet
 * signing. Active: signing. Retired: private key erased, public key published
 * until publish_until.
 */
@Entity({ schema: 'vault', name: 'signing_keys' })
export class SigningKeyEntity {
  @PrimaryColumn('text')
  kid!: string;

  @Column('text')
  alg!: string;

  @Column('jsonb', { name: 'public_jwk' })
  publicJwk!: JWK;

  @Column('jsonb', { name: 'private_key', nullable: true })
  privateKey!: SealedSecret | null;

  @Column('timestamptz', { name: 'created_at' })
  createdAt!: Date;

  @Column('timestamptz', { name: 'activated_at', nullable: true })
  activatedAt!: Date | null;

  @Column('timestamptz', { name: 'retired_at', nullable: true })
  retiredAt!: Date | null;

  @Column('timestamptz', { name: 'publish_until', nullable: true })
  publishUntil!: Date | null;
}
