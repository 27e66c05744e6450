/** LIS role handling (LTI 1.3 core §A.2; NRPS allows short context role names in filters). */
const MEMBERSHIP = 'http://purl.imsglobal.org/vocab/lis/v2/membership#';
const CONTEXT_ROLES = new Set([
  'Administrator',
  'ContentDeveloper',
  'Instructor',
  'Learner',
  'Mentor',
  'Manager',
  'Member',
  'Officer',
]);

export const LEARNER = `${MEMBERSHIP}Learner`;
export const INSTRUCTOR = `${MEMBERSHIP}Instructor`;

/** A short context role (`Learner`) becomes its full URI; anything else is kept as given. */
export function normalizeRole(role: string): string {
  return CONTEXT_ROLES.has(role) ? `${MEMBERSHIP}${role}` : role;
}

/** Whether a member holding `roles` matches the NRPS `role` filter (sub-roles count). */
export function hasRole(roles: readonly string[], wanted: string): boolean {
  const full = normalizeRole(wanted);
  const subRolePrefix = `${full.replace('membership#', 'membership/')}#`;
  return roles.some((r) => r === full || r.startsWith(subRolePrefix));
}

export const isLearner = (roles: readonly string[]): boolean => hasRole(roles, LEARNER);
