import { ConflictException, Inject, Injectable } from '@nestjs/common';
import { LaunchContext } from '../auth/credentials.store';
import { CredentialsStore } from '../auth/credentials.store';
import { Clock } from '../clock/clock';
import { EMULATOR_CONFIG, EmulatorConfig } from '../config/emulator.config';
import { Counters } from '../inspection/counters';
import { CourseStore } from '../lms/course.store';
import { GradebookStore } from '../lms/gradebook.store';
import { Course } from '../lms/lms.types';
import { RegistryStore } from '../lms/registry.store';
import { normalizeRole } from '../lms/roles';
import type { LaunchInput } from '../admin/dto/admin.dto';

export interface LaunchResult {
  ltik: string;
  serviceKey?: string;
  redirectUrl: string;
  lineItemId?: string;
}

/**
 * What happens when a user clicks the activity in the LMS and LTIAAS finishes
 * the OIDC dance: the LMS records exist (created on first sight), an ltik is
 * issued, and a fresh serviceKey when the launch grants AGS or NRPS.
 */
@Injectable()
export class LaunchService {
  constructor(
    @Inject(EMULATOR_CONFIG) private readonly config: EmulatorConfig,
    private readonly registry: RegistryStore,
    private readonly courses: CourseStore,
    private readonly gradebook: GradebookStore,
    private readonly credentials: CredentialsStore,
    private readonly clock: Clock,
    private readonly counters: Counters,
  ) {}

  launch(input: LaunchInput): LaunchResult {
    const registration = this.registry.ensureForLaunch(input.platformId);
    if (!registration.active) {
      throw new ConflictException(`UNREGISTERED_OR_INACTIVE_PLATFORM: platform ${input.platformId} is not active`);
    }
    const course = this.courses.ensureCourse(input.platformId, input.contextId, input.contextTitle);
    this.courses.ensureActivity(course, input.resourceLinkId, input.resourceLinkTitle);
    this.courses.upsertUser(input.platformId, { id: input.userId, name: input.userName, email: input.userEmail, ...splitName(input.userName) });
    const roles = input.roles.map(normalizeRole);
    this.enrollLauncher(course, input.userId, roles, input.resourceLinkId);

    const services = input.services;
    const lineItemId = services.ags ? this.launchLineItem(course, input) : undefined;
    const context: LaunchContext = {
      platformId: input.platformId,
      contextId: input.contextId,
      resourceLinkId: input.resourceLinkId,
      services,
    };
    const now = this.clock.now();
    const serviceKey = services.ags || services.nrps ? this.credentials.issueServiceKey(context, now).key : undefined;
    const targetUrl = input.targetUrl ?? this.config.launchTarget;
    const launch = this.credentials.issueLtik({ ...context, issuedAt: now, userId: input.userId, roles, targetUrl, serviceKey, lineItemId });
    this.counters.launches++;

    const redirect = new URL(targetUrl);
    redirect.searchParams.set('ltik', launch.ltik);
    const result: LaunchResult = { ltik: launch.ltik, redirectUrl: redirect.toString() };
    if (serviceKey !== undefined) result.serviceKey = serviceKey;
    if (lineItemId !== undefined) result.lineItemId = lineItemId;
    return result;
  }

  /** A launch reports the user's current roles; someone launching an activity can reach it. */
  private enrollLauncher(course: Course, userId: string, roles: string[], resourceLinkId: string): void {
    const existing = course.members.get(userId);
    if (!existing) {
      this.courses.enroll(course, { userId, roles, status: 'Active', resourceLinkIds: null });
      return;
    }
    existing.roles = roles;
    existing.resourceLinkIds?.add(resourceLinkId);
  }

  /** The platform's own line item for the activity; surfaced only when exactly one is tied to it. */
  private launchLineItem(course: Course, input: LaunchInput): string | undefined {
    const tied = () => this.gradebook.lineItemsOf(course).filter((i) => i.resourceLinkId === input.resourceLinkId);
    const wanted = input.lineItem;
    if (wanted && !tied().some((i) => i.label === wanted.label)) {
      this.gradebook.createLineItem(course, {
        label: wanted.label,
        scoreMaximum: wanted.scoreMaximum,
        resourceLinkId: input.resourceLinkId,
        ...(wanted.resourceId !== undefined ? { resourceId: wanted.resourceId } : {}),
        ...(wanted.tag !== undefined ? { tag: wanted.tag } : {}),
      });
    }
    const items = tied();
    return items.length === 1 ? items[0].id : undefined;
  }
}

export function splitName(name: string | undefined): { givenName?: string; familyName?: string } {
  if (!name) return {};
  const parts = name.trim().split(/\s+/);
  return parts.length > 1 ? { givenName: parts.slice(0, -1).join(' '), familyName: parts[parts.length - 1] } : { givenName: parts[0] };
}
