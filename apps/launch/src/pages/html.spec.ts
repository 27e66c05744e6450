import { escapeHtml, html } from './html';
import { errorPage } from './error-page';
import { landingViewOf, renderLanding } from '../landing/landing.view';
import type { IdToken } from '@app/ltiaas';

describe('html', () => {
  it('escapes every interpolated value, and nothing twice', () => {
    expect(escapeHtml(`<a href="x" onclick='y'>&\``)).toBe('&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&#96;');
    const inner = html`<b>${'<i>'}</b>`;
    expect(html`<p>${inner}${['<', html`<br>`]}</p>`.value).toBe('<p><b>&lt;i&gt;</b>&lt;<br></p>');
  });

  it('has a page for each refusal', () => {
    expect(errorPage(401)).toContain('invalid or has expired');
    expect(errorPage(400)).toContain('incomplete');
    expect(errorPage(502)).toContain('not answering');
  });
});

describe('the landing page', () => {
  const token = {
    user: { id: 'u<1>', roles: ['http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor'], givenName: 'Grace', familyName: 'Hopper' },
    platform: { id: 'p', name: 'Moodle & co' },
    launch: { context: { id: 'c', title: '<img src=x onerror=alert(1)>' }, resourceLink: { id: 'r', title: 'Lab' } },
    services: { deepLinking: { available: false }, namesAndRoles: { available: false }, assignmentAndGrades: { available: true, lineItemId: 'https://lms/li/1' }, serviceKey: 'svc-secret' },
  } as IdToken;

  it('says who launched what, and which services the context has, escaped and without the key', () => {
    const page = renderLanding(landingViewOf(token));
    expect(page).toContain('Grace Hopper <span class="note">(u&lt;1&gt;)</span>');
    expect(page).toContain('Instructor');
    expect(page).toContain('Moodle &amp; co');
    expect(page).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(page).not.toContain('<img');
    expect(page).toMatch(/Grades \(AGS\)<\/dt><dd><span class="yes">available<\/span> <span class="note">line item https:\/\/lms\/li\/1/);
    expect(page).toContain('<span class="no">not available</span>');
    expect(page).not.toContain('svc-secret');
  });
});
