import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { Counter, type Registry } from 'prom-client';
import { LaunchSigner } from '@app/auth';
import { envelope, EVENT_SOURCES, LAUNCH_CAPTURED_V1 } from '@app/contracts';
import { METRICS_REGISTRY } from '@app/observability';
import { ID_TOKEN_SOURCE, type IdTokenSource } from '../id-token/id-token.source';
import { ServiceKeySealer } from '../sealing/service-key.sealer';
import { toLaunchCaptured } from './launch-captured.mapper';
import { LaunchClock } from './launch-clock';
import { LAUNCH_EVENTS, type LaunchEventSink } from './launch-event.sink';
import { TOOL_APP_REDIRECT, type ToolAppRedirect } from './tool-app.redirect';

export type CaptureResult = 'kafka' | 'outbox' | 'not-captured' | 'lost';

export interface CaptureOutcome {
  redirectTo: string;
  result: CaptureResult;
}

const CORRELATION_ID = /^[\w.:-]{1,200}$/;

/**
 * A launch: read the ID token, seal the serviceKey for the vault, sign and
 * publish LaunchCaptured, and send the user on. Once LTIAAS has vouched for the ltik
 * the user is always sent on: an event that cannot be built or stored is
 * logged and counted, and the next launch of the context captures again.
 */
@Injectable()
export class CaptureService {
  private readonly logger = new Logger(CaptureService.name);
  private readonly outcomes?: Counter<'result'>;

  constructor(
    @Inject(ID_TOKEN_SOURCE) private readonly idTokens: IdTokenSource,
    private readonly sealer: ServiceKeySealer,
    private readonly signer: LaunchSigner,
    @Inject(LAUNCH_EVENTS) private readonly events: LaunchEventSink,
    private readonly clock: LaunchClock,
    @Inject(TOOL_APP_REDIRECT) private readonly toolApp: ToolAppRedirect,
    @Optional() @Inject(METRICS_REGISTRY) metrics?: Registry,
  ) {
    if (metrics) this.outcomes = new Counter({ name: 'launch_captures_total', help: 'Launches by what became of their LaunchCaptured event', labelNames: ['result'], registers: [metrics] });
  }

  async capture(ltik: string, requestId: string): Promise<CaptureOutcome> {
    const token = await this.idTokens.fetch(ltik, requestId);
    const redirectTo = this.toolApp.urlFor(ltik);
    const mapped = await toLaunchCaptured(token, this.clock.nowIso(), (key, ctx) => this.sealer.seal(key, ctx));
    if (!mapped.ok) {
      this.logger.warn({ requestId, platformId: token.platform.id, reason: mapped.reason }, 'launch not captured');
      return this.done(redirectTo, 'not-captured');
    }
    const unsigned = envelope(LAUNCH_CAPTURED_V1, EVENT_SOURCES.launch, mapped.data, {
      time: mapped.data.launchedAt,
      ...(CORRELATION_ID.test(requestId) ? { correlationId: requestId } : {}),
    });
    try {
      // Signed last, over the finished event: the vault and grading act only on what verifies.
      const event = { ...unsigned, launchsignature: await this.signer.sign(unsigned) };
      const route = await this.events.publish(event);
      return this.done(redirectTo, route);
    } catch (error) {
      const { platformId, contextId, resourceLinkId } = mapped.data;
      this.logger.error({ err: error, requestId, eventId: unsigned.id, platformId, contextId, resourceLinkId }, 'LaunchCaptured lost: neither signing, Kafka nor the outbox took it');
      return this.done(redirectTo, 'lost');
    }
  }

  private done(redirectTo: string, result: CaptureResult): CaptureOutcome {
    this.outcomes?.inc({ result });
    return { redirectTo, result };
  }
}
