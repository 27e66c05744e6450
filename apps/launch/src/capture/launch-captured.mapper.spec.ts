import type { IdToken } from '@app/ltiaas';
import { toLaunchCaptured } from './launch-captured.mapper';

const token = (over: Partial<IdToken> = {}): IdToken =>
  ({
    ltiVersion: '1.3.0',
    user: { id: 'u-1', roles: ['http://purl.imsglobal.org/vocab/lis/v2/membership#Learner'], name: 'Ada' },
    platform: { id: 'plat-1', name: 'Canvas', url: 'https://canvas.example.edu', productFamilyCode: 'canvas' },
    launch: { type: 'LtiResourceLinkRequest', context: { id: 'c-1', title: 'Biology', label: 'BIO' }, resourceLink: { id: 'r-1', title: 'Quiz' } },
    services: {
      deepLinking: { available: false },
      namesAndRoles: { available: true },
      assignmentAndGrades: { available: true, lineItemId: 'https://lms.example.edu/lineitems/1?type=1' },
      serviceKey: 'svc-secret',
    },
    ...over,
  }) as IdToken;

const seal = jest.fn(async (key: string, ctx: { contextId: string }) => `sealed-${key.length}..${ctx.contextId}.x.y`);
const at = '2026-01-31T12:00:00.123456Z';

describe('toLaunchCaptured', () => {
  it('takes the triple, the launcher, the services and the titles, and seals the key for its triple', async () => {
    const mapped = await toLaunchCaptured(token(), at, seal);
    expect(mapped).toEqual({
      ok: true,
      hasServiceKey: true,
      data: {
        platformId: 'plat-1',
        contextId: 'c-1',
        resourceLinkId: 'r-1',
        userId: 'u-1',
        roles: ['http://purl.imsglobal.org/vocab/lis/v2/membership#Learner'],
        launchedAt: at,
        sealedServiceKey: 'sealed-10..c-1.x.y',
        services: { assignmentAndGrades: { available: true, lineItemId: 'https://lms.example.edu/lineitems/1?type=1' }, namesAndRoles: { available: true } },
        platform: { name: 'Canvas', url: 'https://canvas.example.edu', productFamilyCode: 'canvas' },
        context: { title: 'Biology', label: 'BIO' },
        resourceLink: { title: 'Quiz' },
      },
    });
    expect(seal).toHaveBeenCalledWith('svc-secret', { platformId: 'plat-1', contextId: 'c-1', resourceLinkId: 'r-1' });
    expect(JSON.stringify(mapped)).not.toContain('svc-secret');
  });

  it('leaves the key out when the launch has none, and a line item id that is not a URL', async () => {
    const base = token();
    const mapped = await toLaunchCaptured(
      token({ services: { ...base.services, serviceKey: undefined, assignmentAndGrades: { available: false, lineItemId: 'not a url' }, namesAndRoles: { available: false } } }),
      at,
      seal,
    );
    expect(mapped.ok && mapped.data.sealedServiceKey).toBeUndefined();
    expect(mapped.ok && mapped.data.services).toEqual({ assignmentAndGrades: { available: false }, namesAndRoles: { available: false } });
  });

  it('cuts free text to the contract limits so a verbose LMS never makes a dead letter', async () => {
    const roles = Array.from({ length: 150 }, (_, i) => `role-${i}`).concat('x'.repeat(600));
    const mapped = await toLaunchCaptured(
      token({ user: { id: 'u', roles }, launch: { context: { id: 'c', title: 't'.repeat(5000) }, resourceLink: { id: 'r', title: 'q'.repeat(5000) } } }),
      at,
      seal,
    );
    expect(mapped.ok).toBe(true);
    if (!mapped.ok) return;
    expect(mapped.data.roles).toHaveLength(100);
    expect(mapped.data.context?.title).toHaveLength(1000);
    expect(mapped.data.resourceLink?.title).toHaveLength(1000);
  });

  it('captures nothing for a launch without a resource link or context', async () => {
    expect(await toLaunchCaptured(token({ launch: { type: 'LtiDeepLinkingRequest', context: { id: 'c' } } }), at, seal)).toEqual({
      ok: false,
      reason: expect.stringContaining('no resource link (type LtiDeepLinkingRequest)'),
    });
    expect(await toLaunchCaptured(token({ launch: undefined }), at, seal)).toMatchObject({ ok: false, reason: expect.stringContaining('no context') });
  });

  it('refuses an id too long for the contract rather than cutting it', async () => {
    const mapped = await toLaunchCaptured(token({ launch: { context: { id: 'c'.repeat(1001) }, resourceLink: { id: 'r' } } }), at, seal);
    expect(mapped).toMatchObject({ ok: false, reason: expect.stringContaining('contextId') });
  });
});
