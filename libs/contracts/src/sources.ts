/**
 * The CloudEvent `source` of every event this system produces, spelled once:
 * `urn:lti-grading:<app>[:<entry point>]`. LaunchCaptured keeps the bare name
 * it has always carried (its consumers' suites check it). Grading stores each
 * ScoreReady's source with the event, and trusts `submittedby` only on events
 * from its own HTTP ingest.
 */
export const EVENT_SOURCES = {
  /** LaunchCaptured. */
  launch: 'launch',
  /** ScoreReady accepted by grading's HTTP API. */
  gradingHttpIngest: 'urn:lti-grading:grading:http',
  /** ScoreReady from the backfill command. */
  gradingBackfill: 'urn:lti-grading:grading:backfill',
  /** ScoreDelivered / ScoreFailed. */
  gradingDelivery: 'urn:lti-grading:grading',
  /** RosterRefreshed. */
  gradingRosters: 'urn:lti-grading:grading:rosters',
} as const;
