/**
 * Where the user goes after capture: TOOL_APP_URL with the ltik added, or
 * the built-in landing page on this host. The relative default works behind
 * any proxy or port, including port 0 in tests.
 */
export class ToolAppRedirect {
  private readonly base?: URL;

  constructor(toolAppUrl: string | undefined) {
    this.base = toolAppUrl ? new URL(toolAppUrl) : undefined;
  }

  urlFor(ltik: string): string {
    if (!this.base) return `/app?${new URLSearchParams({ ltik }).toString()}`;
    const url = new URL(this.base);
    url.searchParams.set('ltik', ltik);
    return url.toString();
  }
}

export const TOOL_APP_REDIRECT = Symbol('TOOL_APP_REDIRECT');
