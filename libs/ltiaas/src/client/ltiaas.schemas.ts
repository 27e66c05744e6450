import { z } from 'zod';

/*
 * Response schemas, compiled once at load. They require what the reference
 * guarantees and pass everything else through, because LMSes and LTIAAS
 * versions add and rename fields (reference §5).
 */

const optionalString = z.string().optional();
// An LMS may send `null` for an optional field (reference §11); it means the same as leaving it out.
const nullableString = z
  .string()
  .nullish()
  .transform((v) => v ?? undefined)
  .optional();
// The SDK coerces numeric LMS user ids to strings; so do we.
const userIdSchema = z.union([z.string(), z.number()]).transform(String);

export const idTokenSchema = z.looseObject({
  ltiVersion: optionalString,
  user: z.looseObject({
    id: userIdSchema,
    roles: z.array(z.string()),
    email: optionalString,
    name: optionalString,
    givenName: optionalString,
    familyName: optionalString,
  }),
  platform: z.looseObject({
    id: z.string(),
    url: optionalString,
    clientId: optionalString,
    deploymentId: optionalString,
    name: optionalString,
    productFamilyCode: optionalString,
  }),
  launch: z
    .looseObject({
      type: optionalString,
      target: optionalString,
      context: z.looseObject({ id: z.string(), label: optionalString, title: optionalString }).optional(),
      resourceLink: z.looseObject({ id: z.string(), title: optionalString }).optional(),
      custom: z.record(z.string(), z.unknown()).optional(),
    })
    .optional(),
  services: z.looseObject({
    deepLinking: z.looseObject({ available: z.boolean() }),
    namesAndRoles: z.looseObject({ available: z.boolean() }),
    // LTI 1.1 Basic Outcomes; the official SDK requires it, older LTIAAS answers lack it.
    outcomes: z.looseObject({ available: z.boolean() }).optional(),
    assignmentAndGrades: z.looseObject({ available: z.boolean(), lineItemId: optionalString }),
    serviceKey: optionalString,
  }),
});
export type IdToken = z.infer<typeof idTokenSchema>;

export const lineItemSchema = z.looseObject({
  id: z.string(),
  label: z.string(),
  scoreMaximum: z.number(),
  resourceLinkId: nullableString,
  resourceId: nullableString,
  tag: nullableString,
  startDateTime: nullableString,
  endDateTime: nullableString,
  gradesReleased: z
    .boolean()
    .nullish()
    .transform((v) => v ?? undefined)
    .optional(),
});
export type LineItem = z.infer<typeof lineItemSchema>;

/**
 * What a caller sends to create or replace a line item (PUT removes what is left out). Fields
 * beyond these (LMS extensions such as Canvas's `submissionType`) pass through to the LMS.
 */
export interface LineItemInput {
  [extension: string]: unknown;
  label: string;
  scoreMaximum: number;
  resourceLinkId?: string;
  resourceId?: string;
  tag?: string;
  startDateTime?: string;
  endDateTime?: string;
  gradesReleased?: boolean;
}

const pageLinks = { next: optionalString, prev: optionalString, first: optionalString, last: optionalString };

export const lineItemPageSchema = z.looseObject({ lineItems: z.array(lineItemSchema), ...pageLinks });

export const resultSchema = z.looseObject({
  id: optionalString,
  userId: userIdSchema,
  scoreOf: optionalString,
  timestamp: optionalString,
  resultScore: z.number().nullish(),
  resultMaximum: z.number().optional(),
  comment: z.string().nullish(),
});
export type LtiaasResult = z.infer<typeof resultSchema>;

export const resultPageSchema = z.looseObject({ scores: z.array(resultSchema), ...pageLinks });

export type MemberStatus = 'Active' | 'Inactive' | 'Deleted';
const MEMBER_STATUSES: ReadonlySet<string> = new Set<MemberStatus>(['Active', 'Inactive', 'Deleted']);

export const memberSchema = z.looseObject({
  userId: userIdSchema,
  // Roles outside the LIS vocabulary are kept as sent; a missing list is no role at all.
  roles: z
    .array(z.string())
    .nullish()
    .transform((v) => v ?? []),
  // NRPS defines three statuses and Active when absent; an LMS's own (e.g. "Pending") is not
  // an active membership, so it counts as Inactive rather than failing the page (reference §11).
  status: z
    .string()
    .nullish()
    .transform((v): MemberStatus => (v == null ? 'Active' : MEMBER_STATUSES.has(v) ? (v as MemberStatus) : 'Inactive')),
  email: nullableString,
  name: nullableString,
  givenName: nullableString,
  familyName: nullableString,
  picture: nullableString,
});
export type Member = z.infer<typeof memberSchema>;

const membershipContextSchema = z.looseObject({ id: z.string(), label: optionalString, title: optionalString });
export type MembershipContext = z.infer<typeof membershipContextSchema>;

export const membershipPageSchema = z.looseObject({
  id: optionalString,
  context: membershipContextSchema,
  members: z.array(memberSchema),
  next: optionalString,
});
export type MembershipPage = z.infer<typeof membershipPageSchema>;

export type ActivityProgress = 'Initialized' | 'Started' | 'InProgress' | 'Submitted' | 'Completed';
export type GradingProgress = 'FullyGraded' | 'Pending' | 'PendingManual' | 'Failed' | 'NotReady';

/** A score as posted (reference §5.8). `timestamp` is ISO 8601 and strictly increasing per (line item, user). */
export interface Score {
  userId: string;
  scoreGiven?: number;
  scoreMaximum?: number;
  activityProgress: ActivityProgress;
  gradingProgress: GradingProgress;
  timestamp: string;
  comment?: string;
}
