import { Injectable, NotFoundException } from '@nestjs/common';
import type { MemberInput } from '../admin/dto/admin.dto';
import { CourseStore } from '../lms/course.store';
import { normalizeRole } from '../lms/roles';
import { splitName } from './launch.service';

/** Rosters set up by tests and demos, as an LMS admin would enrol people. */
@Injectable()
export class EnrollmentService {
  constructor(private readonly courses: CourseStore) {}

  enroll(platformId: string, contextId: string, members: MemberInput[]): void {
    const course = this.courses.ensureCourse(platformId, contextId);
    for (const m of members) {
      this.courses.upsertUser(platformId, {
        id: m.userId,
        name: m.name,
        email: m.email,
        ...splitName(m.name),
        ...(m.givenName !== undefined ? { givenName: m.givenName } : {}),
        ...(m.familyName !== undefined ? { familyName: m.familyName } : {}),
      });
      for (const rl of m.resourceLinkIds ?? []) this.courses.ensureActivity(course, rl);
      this.courses.enroll(course, {
        userId: m.userId,
        roles: m.roles.map(normalizeRole),
        status: m.status,
        resourceLinkIds: m.resourceLinkIds ? new Set(m.resourceLinkIds) : null,
      });
    }
  }

  unenroll(platformId: string, contextId: string, userId: string): void {
    const course = this.courses.getCourse(platformId, contextId);
    if (!course || !this.courses.unenroll(course, userId)) {
      throw new NotFoundException(`user ${userId} is not enrolled in ${platformId}/${contextId}`);
    }
  }
}
