import { z } from 'zod';
import { Registration } from '../lms/lms.types';

const httpUrl = z.url({ protocol: /^https?$/ });

/** POST and PUT body: these fields required (reference §5.13); `active` and `authorizationServer` optional (§11). */
export const PlatformBody = z.strictObject({
  active: z.boolean().optional(),
  authorizationServer: httpUrl.optional(),
  url: httpUrl,
  clientId: z.string().min(1),
  name: z.string().min(1),
  authenticationEndpoint: httpUrl,
  accesstokenEndpoint: httpUrl,
  authConfig: z.strictObject({ key: z.string().min(1), method: z.enum(['JWK_SET', 'JWK_KEY', 'RSA_KEY']) }),
});
export type PlatformBody = z.infer<typeof PlatformBody>;

export const ListPlatformsQuery = z.object({
  id: z.string().min(1).optional(),
  url: z.string().min(1).optional(),
  clientId: z.string().min(1).optional(),
});
export type ListPlatformsQuery = z.infer<typeof ListPlatformsQuery>;

export type PlatformView = Omit<Registration, 'deploymentId' | 'productFamilyCode'>;

export function toPlatformView(r: Registration): PlatformView {
  return {
    id: r.id,
    url: r.url,
    clientId: r.clientId,
    name: r.name,
    authenticationEndpoint: r.authenticationEndpoint,
    accesstokenEndpoint: r.accesstokenEndpoint,
    authConfig: { ...r.authConfig },
    publicKey: r.publicKey,
    active: r.active,
    ...(r.authorizationServer === undefined ? {} : { authorizationServer: r.authorizationServer }),
  };
}
