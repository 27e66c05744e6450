import { Inject, Injectable, Logger } from '@nestjs/common';
import { contextKey, type ContextTriple, type LineItemSelector } from '@app/contracts';
import type { LineItem, LtiaasCredential } from '@app/ltiaas';
import { CLOCK, type Clock } from '../../common/clock';
import { LTIAAS_PORT, type LtiaasPort } from '../../credentials/ports';
import { LineItemsRepository } from './line-items.repository';

/** The line item a score is for cannot be determined or created: the score cannot be delivered as sent. */
export class LineItemUnresolvedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LineItemUnresolvedError';
  }
}

export interface LineItemTarget extends ContextTriple {
  lineItemKey: string;
  lineItem: LineItemSelector | null;
}

/** The shared cache and its creation lock (LineItemsRepository). */
export interface LineItemStore {
  find(triple: ContextTriple, key: string): Promise<string | undefined>;
  save(triple: ContextTriple, key: string, lineItemId: string, createdByGrading: boolean): Promise<void>;
  forget(triple: ContextTriple, key: string, lineItemId: string): Promise<void>;
  exclusively<T>(triple: ContextTriple, key: string, fn: () => Promise<T>): Promise<T>;
}

/** What launches said about an activity's own line item. */
export interface LaunchLineItems {
  launchLineItemId(triple: ContextTriple): Promise<string | null>;
}
export const LAUNCH_LINE_ITEMS = Symbol('LAUNCH_LINE_ITEMS');

const MEMORY_TTL_MS = 5 * 60_000;

/**
 * Finds the line item id for a score, once per activity and selector:
 * - no selector: the launch's own AGS line item, else the one line item tied
 *   to the resource link;
 * - a selector: the line item of the resource link matching resourceId, tag
 *   and label; created (once, under a cluster-wide lock) when none exists and
 *   the selector carries label and scoreMaximum.
 */
@Injectable()
export class LineItemResolver {
  private readonly logger = new Logger(LineItemResolver.name);
  private readonly memory = new Map<string, { id: Promise<string>; expiresAt: number }>();

  constructor(
    @Inject(LTIAAS_PORT) private readonly ltiaas: Pick<LtiaasPort, 'listLineItems' | 'createLineItem'>,
    @Inject(LineItemsRepository) private readonly store: LineItemStore,
    @Inject(LAUNCH_LINE_ITEMS) private readonly launches: LaunchLineItems,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  resolve(target: LineItemTarget, cred: LtiaasCredential): Promise<string> {
    const key = memoryKey(target);
    const now = this.clock.now();
    const hit = this.memory.get(key);
    if (hit && hit.expiresAt > now) return hit.id;
    const entry = { id: this.lookup(target, cred), expiresAt: now + MEMORY_TTL_MS };
    this.memory.set(key, entry);
    entry.id.catch(() => {
      if (this.memory.get(key) === entry) this.memory.delete(key);
    });
    return entry.id;
  }

  /** The LMS said the line item does not exist: forget it everywhere. */
  async forget(target: LineItemTarget, lineItemId: string): Promise<void> {
    this.memory.delete(memoryKey(target));
    await this.store.forget(target, target.lineItemKey, lineItemId);
  }

  /** A launch may have changed the activity's own line item. */
  forgetLaunchLineItem(triple: ContextTriple): void {
    this.memory.delete(memoryKey({ ...triple, lineItemKey: '', lineItem: null }));
  }

  private async lookup(target: LineItemTarget, cred: LtiaasCredential): Promise<string> {
    if (target.lineItemKey === '') {
      const fromLaunch = await this.launches.launchLineItemId(target);
      if (fromLaunch) return fromLaunch;
    }
    const cached = await this.store.find(target, target.lineItemKey);
    if (cached) return cached;
    const found = await this.find(target, cred);
    if (found) {
      await this.store.save(target, target.lineItemKey, found.id, false);
      return found.id;
    }
    const selector = target.lineItem;
    if (!selector?.label || selector.scoreMaximum === undefined) {
      throw new LineItemUnresolvedError(
        target.lineItemKey === ''
          ? `no line item is tied to resource link ${target.resourceLinkId} and the score names none to create (give lineItem.label and lineItem.scoreMaximum)`
          : `no line item matches ${describe(selector)} in resource link ${target.resourceLinkId}, and without label and scoreMaximum none can be created`,
      );
    }
    return this.store.exclusively(target, target.lineItemKey, async () => {
      const meanwhile = (await this.store.find(target, target.lineItemKey)) ?? (await this.find(target, cred))?.id;
      if (meanwhile) {
        await this.store.save(target, target.lineItemKey, meanwhile, false);
        return meanwhile;
      }
      const created = await this.ltiaas.createLineItem(cred, {
        label: selector.label!,
        scoreMaximum: selector.scoreMaximum!,
        resourceLinkId: target.resourceLinkId,
        ...(selector.resourceId !== undefined ? { resourceId: selector.resourceId } : {}),
        ...(selector.tag !== undefined ? { tag: selector.tag } : {}),
      });
      this.logger.log({ platformId: target.platformId, contextId: target.contextId, resourceLinkId: target.resourceLinkId, lineItemId: created.id }, 'line item created');
      await this.store.save(target, target.lineItemKey, created.id, true);
      return created.id;
    });
  }

  private async find(target: LineItemTarget, cred: LtiaasCredential): Promise<LineItem | undefined> {
    const selector = target.lineItem;
    const items = await this.ltiaas.listLineItems(cred, {
      resourceLinkId: target.resourceLinkId,
      ...(selector?.resourceId !== undefined ? { resourceId: selector.resourceId } : {}),
      ...(selector?.tag !== undefined ? { tag: selector.tag } : {}),
      ...(selector?.label !== undefined ? { label: selector.label } : {}),
    });
    // LMSes differ in which filters they honour: check them here as well.
    const matching = items.filter(
      (i) =>
        (i.resourceLinkId === undefined || i.resourceLinkId === target.resourceLinkId) &&
        (selector?.resourceId === undefined || i.resourceId === selector.resourceId) &&
        (selector?.tag === undefined || i.tag === selector.tag) &&
        (selector?.label === undefined || i.label === selector.label),
    );
    if (target.lineItemKey === '' && matching.length > 1) {
      throw new LineItemUnresolvedError(`${matching.length} line items are tied to resource link ${target.resourceLinkId}; name one with lineItem.resourceId, tag or label`);
    }
    return matching[0];
  }
}

function memoryKey(target: LineItemTarget): string {
  return `${contextKey(target)}|${target.lineItemKey}`;
}

function describe(selector: LineItemSelector | null): string {
  if (!selector) return 'the selector';
  return Object.entries({ resourceId: selector.resourceId, tag: selector.tag, label: selector.label })
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(', ');
}
