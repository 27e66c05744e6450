import { Module, type DynamicModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { LaunchSignatureModule } from '@app/auth';
import { dataSourceOptions } from '@app/database';
import { HealthModule } from '@app/health';
import { MessagingModule } from '@app/messaging';
import { ObservabilityModule } from '@app/observability';
import { AuditModule } from './audit/audit.module';
import { CredentialsModule } from './credentials/credentials.module';
import { CryptoModule } from './crypto/crypto.module';
import { VaultAuthModule } from './tokens/vault-auth.module';
import { VAULT_CONFIG, VAULT_DATABASE } from './vault.database';
import type { VaultConfig } from './vault.config';

@Module({})
export class VaultModule {
  static forRoot(config: VaultConfig): DynamicModule {
    return {
      module: VaultModule,
      imports: [
        ObservabilityModule.forApp('credential-vault', config.LOG_LEVEL),
        TypeOrmModule.forRoot(VAULT_DATABASE(config)),
        MessagingModule.forApp('credential-vault', config),
        HealthModule.forApp({ database: true, kafka: true }),
        CryptoModule.forRoot({ masterKeys: config.VAULT_MASTER_KEYS, sealPrivateKeys: config.VAULT_SEAL_PRIVATE_JWK }),
        LaunchSignatureModule.forRoot(config.LAUNCH_SIGNING_PUBLIC_JWKS),
        VaultAuthModule.forRoot(config),
        AuditModule,
        CredentialsModule,
      ],
      providers: [{ provide: VAULT_CONFIG, useValue: config }],
      exports: [VAULT_CONFIG],
    };
  }
}
