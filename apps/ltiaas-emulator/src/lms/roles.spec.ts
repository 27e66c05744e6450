import { hasRole, isLearner, normalizeRole } from './roles';

describe('roles', () => {
  it('expands short context roles and keeps full URIs', () => {
    expect(normalizeRole('Learner')).toBe('http://purl.imsglobal.org/vocab/lis/v2/membership#Learner');
    expect(normalizeRole('http://purl.imsglobal.org/vocab/lis/v2/institution/person#Student')).toBe(
      'http://purl.imsglobal.org/vocab/lis/v2/institution/person#Student',
    );
  });

  it('matches filters by short name, full URI and sub-role', () => {
    const ta = ['http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistant'];
    expect(hasRole(ta, 'Instructor')).toBe(true);
    expect(hasRole(ta, 'http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor')).toBe(true);
    expect(isLearner(ta)).toBe(false);
    expect(isLearner(['http://purl.imsglobal.org/vocab/lis/v2/membership#Learner'])).toBe(true);
  });
});
