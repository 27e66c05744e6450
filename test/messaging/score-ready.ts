// The ScoreReady data the messaging suites send: one valid score for a learner, with overrides.
export const scoreReadyData = (userId: string, extra: Record<string, unknown> = {}) => ({
  platformId: 'p1',
  contextId: 'c1',
  resourceLinkId: 'r1',
  userId,
  scoreGiven: 1,
  scoreMaximum: 2,
  activityProgress: 'Completed',
  gradingProgress: 'FullyGraded',
  timestamp: '2026-11-23T10:00:00.000001Z',
  ...extra,
});
