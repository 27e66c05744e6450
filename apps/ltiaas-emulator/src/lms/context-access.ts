import { Injectable } from '@nestjs/common';
import { ContextAuth } from '../auth/auth.service';
import { LtiaasError } from '../common/ltiaas.error';
import { CourseStore } from './course.store';
import { GradebookStore } from './gradebook.store';
import { Course, LineItem } from './lms.types';

/** Finds the caller's course and line items, refusing anything outside its launch context. */
@Injectable()
export class ContextAccess {
  constructor(
    private readonly courses: CourseStore,
    private readonly gradebook: GradebookStore,
  ) {}

  course(caller: ContextAuth): Course {
    // The launch created the course; only a reset removes it, and a reset also voids the credential.
    return this.courses.ensureCourse(caller.platformId, caller.contextId);
  }

  lineItem(caller: ContextAuth, id: string): LineItem {
    const item = this.gradebook.getLineItem(id);
    if (!item) {
      throw LtiaasError.fromLms(404, { errors: [{ message: 'The specified resource does not exist.' }] }, id);
    }
    if (item.platformId !== caller.platformId || item.contextId !== caller.contextId) throw LtiaasError.invalidCredential();
    return item;
  }
}
