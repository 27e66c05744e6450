import { PreciseInstant } from '../common/timestamp';

export type TimestampMode = 'stamped' | 'strict-409' | 'strict-400';

export interface RateLimitSettings {
  perSecond: number;
  burst: number;
  style: '429' | '403';
}

export interface PlatformSettings {
  timestampMode: TimestampMode;
  rateLimit: RateLimitSettings | null;
}

export type AuthConfigMethod = 'JWK_SET' | 'JWK_KEY' | 'RSA_KEY';

/** An LTIAAS platform registration, as `/admin/platforms` shows it (reference §5.13). */
export interface Registration {
  id: string;
  url: string;
  clientId: string;
  name: string;
  authenticationEndpoint: string;
  accesstokenEndpoint: string;
  authConfig: { key: string; method: AuthConfigMethod };
  publicKey: string;
  active: boolean;
  /** Where the LMS's access tokens are audienced, when it differs from the token endpoint. */
  authorizationServer?: string;
  /** Not part of the platform object; shown in ID tokens. */
  deploymentId: string;
  productFamilyCode: string;
}

export interface LmsUser {
  id: string;
  name?: string;
  email?: string;
  givenName?: string;
  familyName?: string;
}

export type MemberStatus = 'Active' | 'Inactive' | 'Deleted';

export interface Membership {
  userId: string;
  /** Full LIS role URIs. */
  roles: string[];
  status: MemberStatus;
  /** null: reaches every activity of the course. */
  resourceLinkIds: Set<string> | null;
}

export interface Activity {
  id: string;
  title: string;
}

export interface Course {
  platformId: string;
  id: string;
  label: string;
  title: string;
  /** Insertion order is the roster order, which keeps paging stable. */
  members: Map<string, Membership>;
  activities: Map<string, Activity>;
  lineItemIds: Set<string>;
}

export interface LineItem {
  id: string;
  platformId: string;
  contextId: string;
  label: string;
  scoreMaximum: number;
  resourceLinkId?: string;
  resourceId?: string;
  tag?: string;
  startDateTime?: string;
  endDateTime?: string;
  gradesReleased?: boolean;
  /** Fields beyond AGS's (LMS extensions), kept and echoed as the tool sent them. */
  extensions?: Record<string, unknown>;
}

export const ACTIVITY_PROGRESS = ['Initialized', 'Started', 'InProgress', 'Submitted', 'Completed'] as const;
export const GRADING_PROGRESS = ['FullyGraded', 'Pending', 'PendingManual', 'Failed', 'NotReady'] as const;
export type ActivityProgress = (typeof ACTIVITY_PROGRESS)[number];
export type GradingProgress = (typeof GRADING_PROGRESS)[number];

/** The newest score of one user on one line item, plus what the inspection API reports. */
export interface GradeRecord {
  lineItemId: string;
  platformId: string;
  contextId: string;
  userId: string;
  scoreGiven: number | null;
  scoreMaximum: number | null;
  activityProgress: ActivityProgress;
  gradingProgress: GradingProgress;
  comment: string | null;
  /** The tool's `timestamp`, character for character; null when none was sent. */
  timestamp: string | null;
  /** Parsed form of the last accepted tool timestamp, for strict ordering. */
  instant: PreciseInstant | null;
  /** When the emulator accepted the write (what LTIAAS stamps). */
  stampedAt: string;
  writes: number;
  refusedWrites: number;
}
