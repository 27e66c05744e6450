import type { IdToken } from '@app/ltiaas';
import { html, page } from '../pages/html';

/** What the landing page shows: who launched into what, and which services the context has. Never a credential. */
export interface LandingView {
  userName?: string;
  userId: string;
  roles: string[];
  platformName?: string;
  platformId: string;
  courseTitle?: string;
  courseId?: string;
  activityTitle?: string;
  activityId?: string;
  grades: boolean;
  lineItemId?: string;
  roster: boolean;
}

export function landingViewOf(token: IdToken): LandingView {
  return {
    userName: token.user.name ?? ([token.user.givenName, token.user.familyName].filter(Boolean).join(' ') || undefined),
    userId: token.user.id,
    roles: token.user.roles,
    platformName: token.platform.name,
    platformId: token.platform.id,
    courseTitle: token.launch?.context?.title ?? token.launch?.context?.label,
    courseId: token.launch?.context?.id,
    activityTitle: token.launch?.resourceLink?.title,
    activityId: token.launch?.resourceLink?.id,
    grades: token.services.assignmentAndGrades.available,
    lineItemId: token.services.assignmentAndGrades.lineItemId,
    roster: token.services.namesAndRoles.available,
  };
}

const shortRole = (role: string) => role.replace(/^.*[#/]/, '');

export function renderLanding(view: LandingView): string {
  const who = view.userName ? html`${view.userName} <span class="note">(${view.userId})</span>` : html`${view.userId}`;
  const status = (on: boolean, yes: string, no: string) => (on ? html`<span class="yes">${yes}</span>` : html`<span class="no">${no}</span>`);
  return page(
    'Launch received',
    html`<h1>Launch received</h1>
<p>${who} launched ${view.activityTitle ?? view.activityId ?? 'an activity'} in ${view.courseTitle ?? view.courseId ?? 'a course'}.</p>
<dl>
  <dt>User</dt><dd>${who}</dd>
  <dt>Roles</dt><dd>${view.roles.map(shortRole).join(', ') || 'none'}</dd>
  <dt>Platform</dt><dd>${view.platformName ?? view.platformId}</dd>
  <dt>Course</dt><dd>${view.courseTitle ?? '—'} <span class="note">(${view.courseId ?? 'no context'})</span></dd>
  <dt>Activity</dt><dd>${view.activityTitle ?? '—'} <span class="note">(${view.activityId ?? 'no resource link'})</span></dd>
  <dt>Grades (AGS)</dt><dd>${status(view.grades, 'available', 'not available')}${view.lineItemId ? html` <span class="note">line item ${view.lineItemId}</span>` : ''}</dd>
  <dt>Roster (NRPS)</dt><dd>${status(view.roster, 'available', 'not available')}</dd>
</dl>`,
  );
}
