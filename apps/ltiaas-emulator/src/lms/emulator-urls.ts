import { Injectable } from '@nestjs/common';

/**
 * The URLs the emulated LMS hands out (line-item ids, paging links, issuer).
 * The base is known only once the server listens, since tests use port 0.
 */
@Injectable()
export class EmulatorUrls {
  private baseUrl = 'http://127.0.0.1:3100';

  setBase(url: string): void {
    this.baseUrl = url.replace(/\/+$/, '');
  }

  get base(): string {
    return this.baseUrl;
  }

  platform(platformId: string): string {
    return `${this.baseUrl}/lms/${encodeURIComponent(platformId)}`;
  }

  course(platformId: string, contextId: string): string {
    return `${this.platform(platformId)}/courses/${encodeURIComponent(contextId)}`;
  }

  /** Like Moodle's ids, these carry a query string, so clients must percent-encode the whole URL. */
  lineItem(platformId: string, contextId: string, n: number): string {
    return `${this.course(platformId, contextId)}/lineitems/${n}?type_id=1`;
  }

  lineItems(platformId: string, contextId: string): string {
    return `${this.course(platformId, contextId)}/lineitems?type_id=1`;
  }

  memberships(platformId: string, contextId: string): string {
    return `${this.course(platformId, contextId)}/memberships`;
  }

  /** `<line item path>/<suffix>?<line item query>`, as AGS builds `/scores` and `/results`. */
  underLineItem(lineItemId: string, suffix: string): string {
    const url = new URL(lineItemId);
    url.pathname = `${url.pathname}/${suffix}`;
    return url.toString();
  }
}
