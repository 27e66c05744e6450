import { generateKeyPairSync } from 'node:crypto';
import { LaunchSignatureVerifier, LaunchSigner, launchSigningPrivateJwkSchema, launchSigningPublicJwksSchema } from '@app/auth';
import { loadConfig } from '@app/config';
import { LAUNCH_CAPTURED_V1, launchCapturedEvent, type LaunchCapturedEvent, sealPublicJwkSchema } from '@app/contracts';
import { DomainError } from '@app/http';
import type { IdToken } from '@app/ltiaas';
import { z } from 'zod';
import type { IdTokenSource } from '../id-token/id-token.source';
import { ServiceKeySealer } from '../sealing/service-key.sealer';
import { CaptureService } from './capture.service';
import { LaunchClock } from './launch-clock';
import type { LaunchEventSink } from './launch-event.sink';
import { ToolAppRedirect } from './tool-app.redirect';
import { launchSigningPair } from '../../../../test/support/launch-signing';

const signing = launchSigningPair();
const signer = new LaunchSigner(loadConfig(z.object({ K: launchSigningPrivateJwkSchema }), { K: signing.env.LAUNCH_SIGNING_PRIVATE_JWK }).K);
const verifier = new LaunchSignatureVerifier(loadConfig(z.object({ K: launchSigningPublicJwksSchema }), { K: signing.env.LAUNCH_SIGNING_PUBLIC_JWKS }).K);

const idToken: IdToken = {
  user: { id: 'u-1', roles: ['Learner'] },
  platform: { id: 'p-1' },
  launch: { context: { id: 'c-1' }, resourceLink: { id: 'r-1' } },
  services: { deepLinking: { available: false }, namesAndRoles: { available: true }, assignmentAndGrades: { available: true }, serviceKey: 'svc-1' },
} as IdToken;

function setup(options: { token?: IdToken | Error; publish?: () => Promise<'kafka' | 'outbox'>; toolAppUrl?: string } = {}) {
  const jwk = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' });
  const recipient = loadConfig(z.object({ K: sealPublicJwkSchema }), { K: JSON.stringify(jwk) }).K;
  const published: LaunchCapturedEvent[] = [];
  const idTokens: IdTokenSource = {
    fetch: jest.fn(async () => {
      if (options.token instanceof Error) throw options.token;
      return options.token ?? idToken;
    }),
  };
  const events: LaunchEventSink = {
    publish: jest.fn(async (event: LaunchCapturedEvent) => {
      published.push(event);
      return options.publish ? options.publish() : 'kafka';
    }),
  };
  const service = new CaptureService(idTokens, new ServiceKeySealer(recipient), signer, events, new LaunchClock(), new ToolAppRedirect(options.toolAppUrl));
  return { service, published, idTokens };
}

describe('CaptureService', () => {
  it('publishes a valid LaunchCaptured with the sealed key and the request id, then sends the user to the tool', async () => {
    const { service, published, idTokens } = setup({ toolAppUrl: 'https://tool.example.com/start?x=1' });
    const outcome = await service.capture('ltik-abc', 'req-1');
    expect(idTokens.fetch).toHaveBeenCalledWith('ltik-abc', 'req-1');
    expect(outcome).toEqual({ redirectTo: 'https://tool.example.com/start?x=1&ltik=ltik-abc', result: 'kafka' });
    expect(published).toHaveLength(1);
    const event = launchCapturedEvent.parse(published[0]);
    expect(event).toMatchObject({ type: LAUNCH_CAPTURED_V1, source: 'launch', correlationid: 'req-1', data: { platformId: 'p-1', contextId: 'c-1', resourceLinkId: 'r-1' } });
    expect(event.time).toBe(event.data.launchedAt);
    expect(JSON.stringify(event)).not.toContain('svc-1');
    expect(await verifier.verify(event)).toEqual({ ok: true, kid: expect.any(String) });
  });

  it('leaves out a request id that the contract would refuse', async () => {
    const { service, published } = setup();
    await service.capture('ltik', 'x'.repeat(300));
    expect(published[0].correlationid).toBeUndefined();
  });

  it('still sends the user on when the event is lost, or cannot be built', async () => {
    const lost = setup({ publish: async () => Promise.reject(new Error('database down')) });
    await expect(lost.service.capture('ltik', 'r')).resolves.toEqual({ redirectTo: '/app?ltik=ltik', result: 'lost' });
    const deepLinking = setup({ token: { ...idToken, launch: { context: { id: 'c' } } } as IdToken });
    await expect(deepLinking.service.capture('ltik', 'r')).resolves.toEqual({ redirectTo: '/app?ltik=ltik', result: 'not-captured' });
    expect(deepLinking.published).toHaveLength(0);
  });

  it('lets the ID token source’s refusal through, publishing nothing', async () => {
    const { service, published } = setup({ token: new DomainError('unauthorized', 'refused') });
    await expect(service.capture('ltik', 'r')).rejects.toMatchObject({ kind: 'unauthorized' });
    expect(published).toHaveLength(0);
  });

  it('reports where the event went', async () => {
    const { service } = setup({ publish: async () => 'outbox' });
    await expect(service.capture('ltik', 'r')).resolves.toMatchObject({ result: 'outbox' });
  });
});

describe('LaunchClock', () => {
  it('gives ISO times with microseconds that never repeat or go back', () => {
    const clock = new LaunchClock();
    const times = Array.from({ length: 2000 }, () => clock.nowIso());
    expect(times[0]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    expect(new Set(times).size).toBe(times.length);
    expect([...times].sort()).toEqual(times);
    expect(Math.abs(Date.parse(times[0]) - Date.now())).toBeLessThan(1000);
  });
});

describe('ToolAppRedirect', () => {
  it('adds the ltik to TOOL_APP_URL, or points at the built-in page', () => {
    expect(new ToolAppRedirect('https://tool.example.com/app#top').urlFor('a/b+c')).toBe('https://tool.example.com/app?ltik=a%2Fb%2Bc#top');
    expect(new ToolAppRedirect(undefined).urlFor('a/b+c')).toBe('/app?ltik=a%2Fb%2Bc');
  });
});
