import { Injectable } from '@nestjs/common';
import { LaunchRecord } from '../auth/credentials.store';
import { CourseStore } from '../lms/course.store';
import { EmulatorUrls } from '../lms/emulator-urls';
import { RegistryStore } from '../lms/registry.store';
import { namedError } from '../faults/fault-responses';

const LTI = 'https://purl.imsglobal.org/spec/lti/claim/';
const AGS_ENDPOINT = 'https://purl.imsglobal.org/spec/lti-ags/claim/endpoint';
const NRPS = 'https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice';
const DL_SETTINGS = 'https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings';
const CONTEXT_TYPE = ['http://purl.imsglobal.org/vocab/lis/v2/course#CourseOffering'];

/** The ID token of a launch, formatted as LTIAAS returns it (reference §5.1) or raw. */
@Injectable()
export class IdTokenBuilder {
  constructor(
    private readonly registry: RegistryStore,
    private readonly courses: CourseStore,
    private readonly urls: EmulatorUrls,
  ) {}

  formatted(launch: LaunchRecord): Record<string, unknown> {
    const parts = this.parts(launch);
    const assignmentAndGrades: Record<string, unknown> = { available: launch.services.ags };
    if (launch.lineItemId !== undefined) assignmentAndGrades.lineItemId = launch.lineItemId;
    const services: Record<string, unknown> = {
      deepLinking: { available: launch.services.deepLinking },
      namesAndRoles: { available: launch.services.nrps },
      assignmentAndGrades,
      // LTI 1.1 Basic Outcomes: the official SDK's schema requires the claim (reference §11).
      outcomes: { available: false },
    };
    if (launch.serviceKey !== undefined) services.serviceKey = launch.serviceKey;
    return {
      ltiVersion: '1.3.0',
      user: { id: launch.userId, roles: launch.roles, ...parts.user },
      platform: {
        id: parts.platform.id,
        url: parts.platform.url,
        clientId: parts.platform.clientId,
        deploymentId: parts.platform.deploymentId,
        name: parts.platform.name,
        productFamilyCode: parts.platform.productFamilyCode,
        version: '1.0',
      },
      launch: {
        type: 'LtiResourceLinkRequest',
        target: launch.targetUrl,
        context: { id: parts.course.id, label: parts.course.label, title: parts.course.title, type: CONTEXT_TYPE },
        resourceLink: { id: parts.activity.id, title: parts.activity.title },
        presentation: { locale: 'en-US', documentTarget: 'iframe', returnUrl: `${this.urls.course(launch.platformId, launch.contextId)}/return` },
        custom: {},
      },
      services,
    };
  }

  /** The LMS's own claims (`?raw=true`). */
  raw(launch: LaunchRecord): Record<string, unknown> {
    const { platform, course, activity, user } = this.parts(launch);
    const iat = Math.floor(launch.issuedAt / 1000);
    const token: Record<string, unknown> = {
      iss: platform.url,
      sub: launch.userId,
      aud: platform.clientId,
      azp: platform.clientId,
      iat,
      exp: iat + 3600,
      nonce: launch.ltik.slice(0, 16),
      ...(user.name !== undefined ? { name: user.name } : {}),
      ...(user.email !== undefined ? { email: user.email } : {}),
      [`${LTI}message_type`]: 'LtiResourceLinkRequest',
      [`${LTI}version`]: '1.3.0',
      [`${LTI}deployment_id`]: platform.deploymentId,
      [`${LTI}target_link_uri`]: launch.targetUrl,
      [`${LTI}resource_link`]: { id: activity.id, title: activity.title },
      [`${LTI}roles`]: launch.roles,
      [`${LTI}context`]: { id: course.id, label: course.label, title: course.title, type: CONTEXT_TYPE },
      [`${LTI}custom`]: {},
      ltiVersion: '1.3.0',
    };
    if (launch.services.ags) {
      const ags: Record<string, unknown> = {
        scope: [
          'https://purl.imsglobal.org/spec/lti-ags/scope/lineitem',
          'https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly',
          'https://purl.imsglobal.org/spec/lti-ags/scope/score',
        ],
        lineitems: this.urls.lineItems(launch.platformId, launch.contextId),
      };
      if (launch.lineItemId !== undefined) ags.lineitem = launch.lineItemId;
      token[AGS_ENDPOINT] = ags;
    }
    if (launch.services.nrps) {
      token[NRPS] = { context_memberships_url: this.urls.memberships(launch.platformId, launch.contextId), service_versions: ['2.0'] };
    }
    if (launch.services.deepLinking) {
      token[DL_SETTINGS] = {
        deep_link_return_url: `${this.urls.course(launch.platformId, launch.contextId)}/deep-link-return`,
        accept_types: ['ltiResourceLink'],
        accept_presentation_document_targets: ['iframe', 'window'],
      };
    }
    return token;
  }

  /** The launch's LMS records. The guard has already refused launches of unregistered platforms. */
  private parts(launch: LaunchRecord) {
    const platform = this.registry.get(launch.platformId);
    if (!platform) throw namedError('UNREGISTERED_OR_INACTIVE_PLATFORM');
    // Launches create their course and activity; only a reset removes them, and it voids the ltik too.
    const stored = this.courses.getCourse(launch.platformId, launch.contextId);
    const course = { id: launch.contextId, label: stored?.label ?? launch.contextId, title: stored?.title ?? launch.contextId };
    const activity = stored?.activities.get(launch.resourceLinkId) ?? { id: launch.resourceLinkId, title: launch.resourceLinkId };
    const lmsUser = this.courses.getUser(launch.platformId, launch.userId);
    const user: Record<string, string> = {};
    if (lmsUser?.email !== undefined) user.email = lmsUser.email;
    if (lmsUser?.name !== undefined) user.name = lmsUser.name;
    if (lmsUser?.givenName !== undefined) user.givenName = lmsUser.givenName;
    if (lmsUser?.familyName !== undefined) user.familyName = lmsUser.familyName;
    return { platform, course, activity, user };
  }
}
