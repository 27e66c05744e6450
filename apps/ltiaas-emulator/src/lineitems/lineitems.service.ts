import { Inject, Injectable } from '@nestjs/common';
import { ContextAuth } from '../auth/auth.service';
import { LtiaasError } from '../common/ltiaas.error';
import { offsetParam, pageUrl, readPageUrl, slicePage } from '../common/paging';
import { EMULATOR_CONFIG, EmulatorConfig } from '../config/emulator.config';
import { EmulatorUrls } from '../lms/emulator-urls';
import { GradebookStore, LineItemFields } from '../lms/gradebook.store';
import { Course, LineItem } from '../lms/lms.types';
import { ContextAccess } from '../lms/context-access';
import { CreateLineItemBody, LineItemView, ListLineItemsQuery, ReplaceLineItemBody, toView } from './lineitem.dto';

interface Filters {
  resourceLinkId?: string;
  resourceId?: string;
  tag?: string;
  label?: string;
  id?: string;
}

export interface LineItemList {
  lineItems: LineItemView[];
  next?: string;
}

/** The AGS line-item container of the caller's course (reference §5.3–5.7, AGS §3.2). */
@Injectable()
export class LineItemsService {
  constructor(
    @Inject(EMULATOR_CONFIG) private readonly config: EmulatorConfig,
    private readonly access: ContextAccess,
    private readonly gradebook: GradebookStore,
    private readonly urls: EmulatorUrls,
  ) {}

  list(caller: ContextAuth, query: ListLineItemsQuery): LineItemList {
    const base = this.urls.lineItems(caller.platformId, caller.contextId);
    let filters: Filters;
    let from = 0;
    let limit = query.limit;
    if (query.url !== undefined) {
      // Reference §4: with `url`, every other parameter is ignored.
      const params = readPageUrl(query.url, base);
      filters = {
        resourceLinkId: params.get('resource_link_id') ?? undefined,
        resourceId: params.get('resource_id') ?? undefined,
        tag: params.get('tag') ?? undefined,
        label: params.get('label') ?? undefined,
        id: params.get('id') ?? undefined,
      };
      from = offsetParam(params, 'from');
      limit = offsetParam(params, 'limit') || undefined;
    } else {
      const { resourceLinkId, resourceId, tag, label, id } = query;
      // Older docs typed resourceLinkId as a boolean meaning "the launch's own link" (§5.3).
      filters = { resourceLinkId: resourceLinkId === 'true' ? caller.resourceLinkId : resourceLinkId, resourceId, tag, label, id };
    }
    const size = Math.min(limit ?? this.config.pageSize, this.config.pageSize);
    const matching = this.gradebook.lineItemsOf(this.access.course(caller)).filter((item) => matchesFilters(item, filters));
    const page = slicePage(matching, from, size);
    const result: LineItemList = { lineItems: page.items.map(toView) };
    if (page.nextFrom !== undefined) {
      result.next = pageUrl(base, {
        resource_link_id: filters.resourceLinkId,
        resource_id: filters.resourceId,
        tag: filters.tag,
        label: filters.label,
        id: filters.id,
        limit: size,
        from: page.nextFrom,
      });
    }
    return result;
  }

  get(caller: ContextAuth, id: string): LineItemView {
    return toView(this.access.lineItem(caller, id));
  }

  create(caller: ContextAuth, body: CreateLineItemBody): LineItemView {
    const course = this.access.course(caller);
    this.requireActivity(course, body.resourceLinkId);
    return toView(this.gradebook.createLineItem(course, fieldsOf(body)));
  }

  replace(caller: ContextAuth, id: string, body: ReplaceLineItemBody): LineItemView {
    const existing = this.access.lineItem(caller, id);
    if (body.id !== undefined && body.id !== id) {
      throw LtiaasError.fromLms(400, { errors: [{ message: 'id in body does not match the line item' }] }, id);
    }
    // The binding to an activity is the platform's (AGS §3.2.8): it can be echoed, not moved.
    if (body.resourceLinkId !== undefined && body.resourceLinkId !== existing.resourceLinkId) {
      throw LtiaasError.fromLms(400, { errors: [{ message: 'resourceLinkId cannot be changed' }] }, id);
    }
    const { id: _id, ...rest } = body;
    const fields = fieldsOf(rest);
    if (existing.resourceLinkId !== undefined) fields.resourceLinkId = existing.resourceLinkId;
    return toView(this.gradebook.replaceLineItem(id, fields) as LineItem);
  }

  delete(caller: ContextAuth, id: string): void {
    this.access.lineItem(caller, id);
    this.gradebook.deleteLineItem(this.access.course(caller), id);
  }

  /** AGS: an unknown or foreign resourceLinkId is a 404 from the platform. */
  private requireActivity(course: Course, resourceLinkId: string | undefined): void {
    if (resourceLinkId !== undefined && !course.activities.has(resourceLinkId)) {
      throw LtiaasError.fromLms(404, { errors: [{ message: `Resource link ${resourceLinkId} not found in context` }] });
    }
  }
}

function matchesFilters(item: LineItem, f: Filters): boolean {
  return (
    (f.resourceLinkId === undefined || item.resourceLinkId === f.resourceLinkId) &&
    (f.resourceId === undefined || item.resourceId === f.resourceId) &&
    (f.tag === undefined || item.tag === f.tag) &&
    (f.label === undefined || item.label === f.label) &&
    (f.id === undefined || item.id === f.id)
  );
}

/** Only the fields given: a full replacement drops whatever the body leaves out (§5.6). */
function fieldsOf(body: CreateLineItemBody): LineItemFields {
  const fields: LineItemFields = { label: body.label, scoreMaximum: body.scoreMaximum };
  for (const key of ['resourceLinkId', 'resourceId', 'tag', 'startDateTime', 'endDateTime'] as const) {
    const value = body[key];
    if (value !== undefined) fields[key] = value;
  }
  if (body.gradesReleased !== undefined) fields.gradesReleased = body.gradesReleased;
  const extensions = Object.fromEntries(Object.entries(body).filter(([key]) => !AGS_FIELDS.has(key)));
  if (Object.keys(extensions).length > 0) fields.extensions = extensions;
  return fields;
}

const AGS_FIELDS: ReadonlySet<string> = new Set([
  'id',
  'label',
  'scoreMaximum',
  'resourceLinkId',
  'resourceId',
  'tag',
  'startDateTime',
  'endDateTime',
  'gradesReleased',
]);
