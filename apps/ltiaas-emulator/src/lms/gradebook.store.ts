import { Injectable } from '@nestjs/common';
import { EmulatorUrls } from './emulator-urls';
import { Course, GradeRecord, LineItem } from './lms.types';

export type LineItemFields = Omit<LineItem, 'id' | 'platformId' | 'contextId'>;

export interface GradebookFilter {
  platformId?: string;
  contextId?: string;
  lineItemId?: string;
  userId?: string;
}

/** The LMS gradebook: line items per course and the newest score per (line item, user). */
@Injectable()
export class GradebookStore {
  private readonly lineItems = new Map<string, LineItem>();
  private readonly grades = new Map<string, Map<string, GradeRecord>>();
  private nextNumber = 1;

  constructor(private readonly urls: EmulatorUrls) {}

  getLineItem(id: string): LineItem | undefined {
    return this.lineItems.get(id);
  }

  createLineItem(course: Course, fields: LineItemFields): LineItem {
    const id = this.urls.lineItem(course.platformId, course.id, this.nextNumber++);
    const item: LineItem = { id, platformId: course.platformId, contextId: course.id, ...fields };
    this.lineItems.set(id, item);
    course.lineItemIds.add(id);
    return item;
  }

  replaceLineItem(id: string, fields: LineItemFields): LineItem | undefined {
    const existing = this.lineItems.get(id);
    if (!existing) return undefined;
    const item: LineItem = { id, platformId: existing.platformId, contextId: existing.contextId, ...fields };
    this.lineItems.set(id, item);
    return item;
  }

  deleteLineItem(course: Course, id: string): boolean {
    course.lineItemIds.delete(id);
    this.grades.delete(id);
    return this.lineItems.delete(id);
  }

  lineItemsOf(course: Course): LineItem[] {
    const items: LineItem[] = [];
    for (const id of course.lineItemIds) {
      const item = this.lineItems.get(id);
      if (item) items.push(item);
    }
    return items;
  }

  grade(lineItemId: string, userId: string): GradeRecord | undefined {
    return this.grades.get(lineItemId)?.get(userId);
  }

  putGrade(record: GradeRecord): void {
    let byUser = this.grades.get(record.lineItemId);
    if (!byUser) {
      byUser = new Map();
      this.grades.set(record.lineItemId, byUser);
    }
    byUser.set(record.userId, record);
  }

  gradesOf(lineItemId: string): GradeRecord[] {
    return [...(this.grades.get(lineItemId)?.values() ?? [])];
  }

  entries(filter: GradebookFilter = {}): GradeRecord[] {
    const out: GradeRecord[] = [];
    for (const [lineItemId, byUser] of this.grades) {
      if (filter.lineItemId !== undefined && filter.lineItemId !== lineItemId) continue;
      for (const record of byUser.values()) {
        if (filter.platformId !== undefined && record.platformId !== filter.platformId) continue;
        if (filter.contextId !== undefined && record.contextId !== filter.contextId) continue;
        if (filter.userId !== undefined && record.userId !== filter.userId) continue;
        out.push(record);
      }
    }
    return out;
  }

  reset(): void {
    this.lineItems.clear();
    this.grades.clear();
    this.nextNumber = 1;
  }
}
