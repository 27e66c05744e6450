import { Global, Module, type DynamicModule, type FactoryProvider, type ModuleMetadata, type Provider } from '@nestjs/common';
import type { AuthEnv } from './auth.env';
import { RemoteJwksSource, type JwksSource } from './jwks/jwks-source';
import { SigningKeyStore, type SigningKeyStoreOptions } from './jwks/signing-key-store';
import { JwtAuthGuard } from './jwt-auth.guard';
import { JwtVerifier, type JwtVerifierOptions } from './jwt-verifier';
import { ACCESS_TOKEN_ALGORITHM } from './access-token';

export interface AuthModuleOptions extends Omit<JwtVerifierOptions, 'now'> {
  /** The vault's base URL; its `/.well-known/jwks.json` is the key source unless `keySource` is given. */
  vaultUrl?: string;
  /** Another key source (the vault reads its own keys from its database). */
  keySource?: JwksSource;
  keyStore?: Omit<SigningKeyStoreOptions, 'algorithms' | 'now'>;
}

/** The options every app derives from its validated environment. */
export function authOptions(env: AuthEnv): AuthModuleOptions {
  return { vaultUrl: env.VAULT_URL, issuer: env.JWT_ISSUER, audience: env.JWT_AUDIENCE };
}

export function createJwtVerifier(options: AuthModuleOptions): JwtVerifier {
  const source = options.keySource ?? (options.vaultUrl ? new RemoteJwksSource(options.vaultUrl) : undefined);
  if (!source) throw new Error('AuthModule needs vaultUrl or keySource');
  const algorithms = options.algorithms ?? [ACCESS_TOKEN_ALGORITHM];
  const store = new SigningKeyStore(source, { ...options.keyStore, algorithms });
  return new JwtVerifier(store, { ...options, algorithms });
}

/**
 * Token verification for one app: import once in the root module, then put
 * `@UseGuards(JwtAuthGuard)` and `@Scopes(...)` on controllers.
 *
 *   AuthModule.forRoot(authOptions(config))
 */
@Global()
@Module({})
export class AuthModule {
  static forRoot(options: AuthModuleOptions): DynamicModule {
    return AuthModule.build([], { provide: JwtVerifier, useValue: createJwtVerifier(options) });
  }

  static forRootAsync(options: {
    imports?: ModuleMetadata['imports'];
    inject?: FactoryProvider['inject'];
    useFactory: (...args: never[]) => AuthModuleOptions | Promise<AuthModuleOptions>;
  }): DynamicModule {
    return AuthModule.build(options.imports ?? [], {
      provide: JwtVerifier,
      inject: options.inject ?? [],
      useFactory: async (...args: never[]) => createJwtVerifier(await options.useFactory(...args)),
    });
  }

  private static build(imports: NonNullable<ModuleMetadata['imports']>, verifier: Provider): DynamicModule {
    return { module: AuthModule, imports, providers: [verifier, JwtAuthGuard], exports: [JwtVerifier, JwtAuthGuard] };
  }
}
