import { idTokenSchema, lineItemPageSchema, membershipPageSchema } from './ltiaas.schemas';

// What LTIAAS and the LMSes behind it really send (reference §11): nulls, extensions, values
// outside the usual sets. None of them may fail a page.
describe('LTIAAS response schemas', () => {
  const idToken = {
    user: { id: 'u1', roles: ['Learner'] },
    platform: { id: 'p1' },
    services: { deepLinking: { available: false }, namesAndRoles: { available: true }, assignmentAndGrades: { available: true } },
  };

  it('reads an ID token with and without services.outcomes', () => {
    expect(idTokenSchema.parse(idToken).services.outcomes).toBeUndefined();
    const withOutcomes = { ...idToken, services: { ...idToken.services, outcomes: { available: false } } };
    expect(idTokenSchema.parse(withOutcomes).services.outcomes).toEqual({ available: false });
  });

  it('reads line items whose optional fields are null, and keeps LMS extensions', () => {
    const page = lineItemPageSchema.parse({
      lineItems: [
        { id: 'li-1', label: 'Quiz', scoreMaximum: 10, resourceId: null, tag: null, startDateTime: null, endDateTime: null, gradesReleased: null, resourceLinkId: null },
        { id: 'li-2', label: 'Essay', scoreMaximum: 5, submissionType: { type: 'external_tool' } },
      ],
    });
    expect(page.lineItems[0]).toEqual({ id: 'li-1', label: 'Quiz', scoreMaximum: 10 });
    expect(page.lineItems[0].resourceId).toBeUndefined();
    expect(page.lineItems[1]).toMatchObject({ submissionType: { type: 'external_tool' } });
  });

  it('reads members with unknown statuses, unknown roles and null details without failing the page', () => {
    const page = membershipPageSchema.parse({
      context: { id: 'c1' },
      members: [
        { userId: 'a', roles: ['Learner'], status: 'Active' },
        { userId: 'b', roles: ['http://example.edu/roles#TeachingFellow'], status: 'Pending', email: null, name: null },
        { userId: 42, roles: null },
        { userId: 'd', roles: ['Learner'], status: 'Deleted', picture: null },
      ],
    });
    expect(page.members.map((m) => [m.userId, m.status, m.roles])).toEqual([
      ['a', 'Active', ['Learner']],
      ['b', 'Inactive', ['http://example.edu/roles#TeachingFellow']],
      ['42', 'Active', []],
      ['d', 'Deleted', ['Learner']],
    ]);
    expect(page.members[1].email).toBeUndefined();
  });

  it('still refuses a member without a user id', () => {
    expect(membershipPageSchema.safeParse({ context: { id: 'c1' }, members: [{ roles: ['Learner'] }] }).success).toBe(false);
  });
});
