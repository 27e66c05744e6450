import { Module, type DynamicModule } from '@nestjs/common';
import { AccessTokenIssuer, TOKEN_SETTINGS, type TokenSettings } from './access-token.issuer';
import { FailedAttemptLimiter, type FailedAttemptLimits } from './failed-attempt.limiter';
import { TokenExchangeMetrics } from './token-exchange.metrics';
import { TokensController } from './tokens.controller';
import { TokensService } from './tokens.service';

@Module({})
export class TokensModule {
  /** `features`: the ApiKeysModule and SigningKeysModule instances the app imports. */
  static forRoot(options: { tokens: TokenSettings; limits: FailedAttemptLimits }, features: DynamicModule[]): DynamicModule {
    return {
      module: TokensModule,
      imports: features,
      controllers: [TokensController],
      providers: [
        { provide: TOKEN_SETTINGS, useValue: options.tokens },
        { provide: FailedAttemptLimiter, useValue: new FailedAttemptLimiter(options.limits) },
        AccessTokenIssuer,
        TokenExchangeMetrics,
        TokensService,
      ],
    };
  }
}
