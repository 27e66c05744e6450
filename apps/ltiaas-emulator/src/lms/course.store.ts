import { Injectable } from '@nestjs/common';
import { Activity, Course, LmsUser, Membership } from './lms.types';

const courseKey = (platformId: string, contextId: string): string => `${platformId}\u0000${contextId}`;

/** The LMS's people and courses: users per platform, courses with their activities and rosters. */
@Injectable()
export class CourseStore {
  private readonly users = new Map<string, Map<string, LmsUser>>();
  private readonly courses = new Map<string, Course>();

  getCourse(platformId: string, contextId: string): Course | undefined {
    return this.courses.get(courseKey(platformId, contextId));
  }

  ensureCourse(platformId: string, contextId: string, title?: string): Course {
    const key = courseKey(platformId, contextId);
    let course = this.courses.get(key);
    if (!course) {
      course = {
        platformId,
        id: contextId,
        label: contextId,
        title: title ?? `Course ${contextId}`,
        members: new Map(),
        activities: new Map(),
        lineItemIds: new Set(),
      };
      this.courses.set(key, course);
    } else if (title !== undefined) {
      course.title = title;
    }
    return course;
  }

  ensureActivity(course: Course, resourceLinkId: string, title?: string): Activity {
    let activity = course.activities.get(resourceLinkId);
    if (!activity) {
      activity = { id: resourceLinkId, title: title ?? `Activity ${resourceLinkId}` };
      course.activities.set(resourceLinkId, activity);
    } else if (title !== undefined) {
      activity.title = title;
    }
    return activity;
  }

  getUser(platformId: string, userId: string): LmsUser | undefined {
    return this.users.get(platformId)?.get(userId);
  }

  /** Creates the user or updates the fields given. */
  upsertUser(platformId: string, user: LmsUser): LmsUser {
    let byId = this.users.get(platformId);
    if (!byId) {
      byId = new Map();
      this.users.set(platformId, byId);
    }
    const existing = byId.get(user.id);
    const merged: LmsUser = { ...existing, ...stripUndefined(user), id: user.id };
    byId.set(user.id, merged);
    return merged;
  }

  /** Adds or replaces a membership, keeping the member's place in the roster order. */
  enroll(course: Course, membership: Membership): void {
    course.members.set(membership.userId, membership);
  }

  unenroll(course: Course, userId: string): boolean {
    return course.members.delete(userId);
  }

  reset(): void {
    this.users.clear();
    this.courses.clear();
  }
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
