import { Global, Module, type DynamicModule } from '@nestjs/common';
import { LaunchSignatureVerifier } from './launch-signature';
import type { LaunchSigningKey } from './launch-signing-keys';

/**
 * The LaunchSignatureVerifier of an app that consumes LaunchCaptured (the
 * vault, grading), over `LAUNCH_SIGNING_PUBLIC_JWKS`:
 *
 *   LaunchSignatureModule.forRoot(config.LAUNCH_SIGNING_PUBLIC_JWKS)
 */
@Global()
@Module({})
export class LaunchSignatureModule {
  static forRoot(trusted: readonly LaunchSigningKey[]): DynamicModule {
    return {
      module: LaunchSignatureModule,
      providers: [{ provide: LaunchSignatureVerifier, useValue: new LaunchSignatureVerifier(trusted) }],
      exports: [LaunchSignatureVerifier],
    };
  }
}
