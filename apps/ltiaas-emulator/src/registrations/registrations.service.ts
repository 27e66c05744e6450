import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import { LtiaasError } from '../common/ltiaas.error';
import { RegistryStore } from '../lms/registry.store';
import { PendingRegistration, RegistrationStore } from './registration.store';

const MessageSchema = z.strictObject({ type: z.string().min(1), placements: z.array(z.string()).optional() });

export const CompleteRegistrationBody = z.strictObject({
  platformName: z.string().min(1).optional(),
  autoActivate: z.boolean().optional(),
  messages: z.array(MessageSchema).optional(),
});
export type CompleteRegistrationBody = z.infer<typeof CompleteRegistrationBody>;

const SCOPES = [
  'openid',
  'https://purl.imsglobal.org/spec/lti-ags/scope/lineitem',
  'https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly',
  'https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly',
  'https://purl.imsglobal.org/spec/lti-ags/scope/score',
  'https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly',
];
const MESSAGES = [{ type: 'LtiResourceLinkRequest' }, { type: 'LtiDeepLinkingRequest', placements: ['ContentArea'] }];
const CLOSE_HTML = "<script>(window.opener || window.parent).postMessage({subject:'org.imsglobal.lti.close'}, '*');</script>";

@Injectable()
export class RegistrationsService {
  constructor(
    private readonly pending: RegistrationStore,
    private readonly registry: RegistryStore,
  ) {}

  describe(id: string, raw: boolean): Record<string, unknown> {
    const reg = this.find(id);
    if (!raw) {
      return { url: reg.url, familyCode: reg.familyCode, version: reg.version, supportedScopes: SCOPES, supportedMessages: MESSAGES };
    }
    return {
      openIdConfiguration: {
        issuer: reg.url,
        authorization_endpoint: `${reg.url}/auth`,
        token_endpoint: `${reg.url}/token`,
        jwks_uri: `${reg.url}/keys`,
        registration_endpoint: `${reg.url}/register`,
        scopes_supported: SCOPES,
        response_types_supported: ['id_token'],
        subject_types_supported: ['public', 'pairwise'],
        id_token_signing_alg_values_supported: ['RS256'],
        token_endpoint_auth_methods_supported: ['private_key_jwt'],
        token_endpoint_auth_signing_alg_values_supported: ['RS256'],
        claims_supported: ['sub', 'iss', 'name', 'given_name', 'family_name', 'email'],
        'https://purl.imsglobal.org/spec/lti-platform-configuration': {
          product_family_code: reg.familyCode,
          version: reg.version,
          messages_supported: MESSAGES,
        },
      },
      registrationToken: reg.registrationToken,
    };
  }

  complete(id: string, body: CompleteRegistrationBody): { html: string; platformId: string } {
    const reg = this.find(id);
    this.pending.consume(id);
    const platform = this.registry.create(
      {
        url: reg.url,
        clientId: `client-${reg.id}`,
        name: body.platformName ?? `${reg.familyCode} ${reg.url}`,
        authenticationEndpoint: `${reg.url}/auth`,
        accesstokenEndpoint: `${reg.url}/token`,
        authConfig: { key: `${reg.url}/keys`, method: 'JWK_SET' },
      },
      body.autoActivate ?? false,
    );
    return { html: CLOSE_HTML, platformId: platform.id };
  }

  private find(id: string): PendingRegistration {
    const reg = this.pending.get(id);
    if (!reg) throw LtiaasError.notFound(`Registration ${id} not found or already used`);
    return reg;
  }
}
