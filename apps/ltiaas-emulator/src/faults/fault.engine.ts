import { Inject, Injectable } from '@nestjs/common';
import { Clock } from '../clock/clock';
import { LtiaasError } from '../common/ltiaas.error';
import { EMULATOR_CONFIG, EmulatorConfig } from '../config/emulator.config';
import { Counters } from '../inspection/counters';
import { RateLimitSettings } from '../lms/lms.types';
import { RegistryStore } from '../lms/registry.store';
import { RingBuffer } from '../inspection/ring-buffer';
import { EndpointName, FaultRule, FaultsConfig } from './fault-config';
import { lmsFailure, rateLimited } from './fault-responses';
import { mulberry32, streamSeed } from './prng';
import { TokenBucket } from './token-bucket';

interface CompiledRule {
  id: string;
  rule: FaultRule;
  random: () => number;
  seen: number;
  fired: number;
  buckets: Map<string, TokenBucket>;
}

export interface InjectedFault {
  n: number;
  ruleId: string;
  kind: FaultRule['kind'];
  endpoint: EndpointName;
  platformId: string | null;
  status: number | null;
  delayMs?: number;
}

/** Sets response headers; the guard hands in the Fastify reply. */
export interface HeaderSink {
  header(name: string, value: string): unknown;
}

/** What a request should suffer: a delay, then maybe a failure to throw. */
export interface FaultOutcome {
  delayMs: number;
  failure: Error | null;
  label: string | null;
}

const NO_FAULT: FaultOutcome = { delayMs: 0, failure: null, label: null };

/**
 * Decides, per request, which injected faults apply. Every matching rule
 * draws from its own seeded stream on every matching request, so a given
 * sequence of requests meets the same faults on every run.
 */
@Injectable()
export class FaultEngine {
  private rules: CompiledRule[] = [];
  private config: FaultsConfig;
  private readonly log = new RingBuffer<InjectedFault>(1000);
  private injected = 0;
  private readonly platformBuckets = new Map<string, { settings: RateLimitSettings; bucket: TokenBucket }>();

  constructor(
    @Inject(EMULATOR_CONFIG) private readonly emulatorConfig: EmulatorConfig,
    private readonly clock: Clock,
    private readonly registry: RegistryStore,
    private readonly counters: Counters,
  ) {
    this.config = emulatorConfig.faults;
    this.configure(this.config);
  }

  configure(config: FaultsConfig): void {
    this.config = config;
    const seed = config.seed ?? this.emulatorConfig.seed;
    this.rules = config.rules.map((rule, index) => ({
      id: rule.id ?? `rule-${index}`,
      rule,
      random: mulberry32(streamSeed(seed, index)),
      seen: 0,
      fired: 0,
      buckets: new Map(),
    }));
  }

  current(): FaultsConfig {
    return this.config;
  }

  injectedFaults(): InjectedFault[] {
    return this.log.toArray();
  }

  /** Back to the start-up configuration (EMULATOR_FAULTS), re-seeded. */
  reset(): void {
    this.log.clear();
    this.injected = 0;
    this.platformBuckets.clear();
    this.configure(this.emulatorConfig.faults);
  }

  evaluate(endpoint: EndpointName, platformId: string | null, headers: HeaderSink): FaultOutcome {
    const settings = platformId === null ? null : this.registry.settingsOf(platformId).rateLimit;
    if (this.rules.length === 0 && settings === null) return NO_FAULT;

    const now = this.clock.now();
    let failure: Error | null = null;
    let label: string | null = null;
    let delayMs = 0;
    if (platformId !== null && settings !== null) {
      failure = this.takePlatformToken(platformId, settings, now, headers);
      if (failure) label = 'platform-rate-limit';
    }
    for (const compiled of this.rules) {
      const { rule } = compiled;
      if (!matches(rule, endpoint, platformId)) continue;
      compiled.seen++;
      if (rule.kind === 'rate-limit') {
        const limited = this.takeRuleToken(compiled, rule, endpoint, platformId, now, headers);
        if (limited && !failure) [failure, label] = [limited, compiled.id];
        continue;
      }
      const draw = compiled.random();
      const eligible = compiled.seen > rule.after && (rule.times === undefined || compiled.fired < rule.times);
      if (!eligible || draw >= rule.probability) continue;
      if (rule.kind === 'latency') {
        const ms = rule.ms ?? rule.minMs! + Math.floor(compiled.random() * (rule.maxMs! - rule.minMs! + 1));
        delayMs += ms;
        compiled.fired++;
        this.note(compiled, endpoint, platformId, null, ms);
        continue;
      }
      if (failure) continue;
      failure = lmsFailure(rule, now);
      label = compiled.id;
      compiled.fired++;
      this.note(compiled, endpoint, platformId, failure instanceof LtiaasError ? failure.status : null);
    }
    return { delayMs, failure, label };
  }

  private takePlatformToken(platformId: string, settings: RateLimitSettings, now: number, headers: HeaderSink): Error | null {
    let entry = this.platformBuckets.get(platformId);
    if (!entry || entry.settings !== settings) {
      entry = { settings, bucket: new TokenBucket(settings.perSecond, settings.burst, now) };
      this.platformBuckets.set(platformId, entry);
    }
    const taken = entry.bucket.take(now);
    headers.header('X-Rate-Limit-Remaining', String(taken.remaining));
    if (taken.ok) return null;
    this.counters.fault('platform-rate-limit');
    return rateLimited(settings.style, taken.retryAfterMs);
  }

  private takeRuleToken(
    compiled: CompiledRule,
    rule: Extract<FaultRule, { kind: 'rate-limit' }>,
    endpoint: EndpointName,
    platformId: string | null,
    now: number,
    headers: HeaderSink,
  ): LtiaasError | null {
    const key = platformId ?? '';
    let bucket = compiled.buckets.get(key);
    if (!bucket) {
      bucket = new TokenBucket(rule.perSecond, rule.burst, now);
      compiled.buckets.set(key, bucket);
    }
    const taken = bucket.take(now);
    headers.header('X-Rate-Limit-Remaining', String(taken.remaining));
    if (taken.ok) return null;
    compiled.fired++;
    const failure = rateLimited(rule.style, taken.retryAfterMs);
    this.note(compiled, endpoint, platformId, failure.status);
    return failure;
  }

  private note(compiled: CompiledRule, endpoint: EndpointName, platformId: string | null, status: number | null, delayMs?: number): void {
    this.counters.fault(compiled.rule.kind);
    const entry: InjectedFault = { n: ++this.injected, ruleId: compiled.id, kind: compiled.rule.kind, endpoint, platformId, status };
    if (delayMs !== undefined) entry.delayMs = delayMs;
    this.log.push(entry);
  }
}

function matches(rule: FaultRule, endpoint: EndpointName, platformId: string | null): boolean {
  if (rule.platforms && (platformId === null || !rule.platforms.includes(platformId))) return false;
  if (!rule.endpoints) return true;
  return rule.endpoints.some((p) => p === '*' || p === endpoint || (p.endsWith('.*') && endpoint.startsWith(p.slice(0, -1))));
}
