import { Inject, Injectable } from '@nestjs/common';
import { z } from 'zod';
import { ContextAuth } from '../auth/auth.service';
import { LtiaasError } from '../common/ltiaas.error';
import { offsetParam, pageUrl, readPageUrl, slicePage } from '../common/paging';
import { decodeExtraLayer, limitParam } from '../common/validation';
import { EMULATOR_CONFIG, EmulatorConfig } from '../config/emulator.config';
import { CourseStore } from '../lms/course.store';
import { EmulatorUrls } from '../lms/emulator-urls';
import { Course, Membership, MemberStatus } from '../lms/lms.types';
import { hasRole, normalizeRole } from '../lms/roles';
import { ContextAccess } from '../lms/context-access';

export const MembershipsQuery = z.object({
  role: z.string().min(1).optional(),
  resourceLinkId: z.string().min(1).optional(),
  limit: limitParam.optional(),
  url: z.string().min(1).optional(),
});
export type MembershipsQuery = z.infer<typeof MembershipsQuery>;

export interface MemberView {
  userId: string;
  roles: string[];
  status: MemberStatus;
  name?: string;
  email?: string;
  givenName?: string;
  familyName?: string;
}

export interface MembershipPage {
  id: string;
  context: { id: string; label: string; title: string };
  members: MemberView[];
  next?: string;
}

/** NRPS context membership, paged like Canvas: never more than the page size, whatever `limit` asks. */
@Injectable()
export class MembershipsService {
  constructor(
    @Inject(EMULATOR_CONFIG) private readonly config: EmulatorConfig,
    private readonly access: ContextAccess,
    private readonly courses: CourseStore,
    private readonly urls: EmulatorUrls,
  ) {}

  list(caller: ContextAuth, query: MembershipsQuery): MembershipPage {
    const course = this.access.course(caller);
    const base = this.urls.memberships(caller.platformId, caller.contextId);
    let role: string | undefined;
    let rlid: string | undefined;
    let from = 0;
    let limit = query.limit;
    if (query.url !== undefined) {
      const params = readPageUrl(query.url, base);
      role = params.get('role') ?? undefined;
      rlid = params.get('rlid') ?? undefined;
      from = offsetParam(params, 'from');
      limit = offsetParam(params, 'limit') || undefined;
    } else {
      // The SDK encodes `role` once more than needed (reference §4).
      role = query.role === undefined ? undefined : normalizeRole(decodeExtraLayer(query.role, (v) => !/%[0-9A-Fa-f]{2}/.test(v)));
      rlid = query.resourceLinkId === 'true' ? caller.resourceLinkId : query.resourceLinkId;
    }
    if (rlid !== undefined && !course.activities.has(rlid)) {
      // NRPS: the platform must refuse a resource link that is not the tool's.
      throw LtiaasError.fromLms(404, { errors: [{ message: `Resource link ${rlid} not found in context` }] }, base);
    }
    const size = Math.min(limit ?? this.config.pageSize, this.config.pageSize);
    const matching = [...course.members.values()].filter(
      (m) => m.status !== 'Deleted' && (role === undefined || hasRole(m.roles, role)) && reaches(m, rlid),
    );
    const page = slicePage(matching, from, size);
    const params = { role, rlid, limit: size };
    const result: MembershipPage = {
      id: pageUrl(base, { ...params, from }),
      context: { id: course.id, label: course.label, title: course.title },
      members: page.items.map((m) => this.toView(course, m)),
    };
    if (page.nextFrom !== undefined) result.next = pageUrl(base, { ...params, from: page.nextFrom });
    return result;
  }

  private toView(course: Course, m: Membership): MemberView {
    const view: MemberView = { userId: m.userId, roles: m.roles, status: m.status };
    const user = this.courses.getUser(course.platformId, m.userId);
    if (user?.name !== undefined) view.name = user.name;
    if (user?.email !== undefined) view.email = user.email;
    if (user?.givenName !== undefined) view.givenName = user.givenName;
    if (user?.familyName !== undefined) view.familyName = user.familyName;
    return view;
  }
}

const reaches = (m: Membership, rlid: string | undefined): boolean =>
  rlid === undefined || m.resourceLinkIds === null || m.resourceLinkIds.has(rlid);
