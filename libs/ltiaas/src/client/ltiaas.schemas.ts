import { z } from 'zod';

/*
 * Response schemas, compiled once at load. They require what the reference
 * guarantees and pass everything else through, because LMSes and LTIAAS
 * versions add and rename fields (reference §5).
 */

const optionalString = z.string().optional();
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
    assignmentAndGrades: z.looseObject({ available: z.boolean(), lineItemId: optionalString }),
    serviceKey: optionalString,
  }),
});
export type IdToken = z.infer<typeof idTokenSchema>;

export const lineItemSchema = z.looseObject({
  id: z.string(),
  label: z.string(),
  scoreMaximum: z.number(),
  resourceLinkId: optionalString,
  resourceId: optionalString,
  tag: optionalString,
  startDateTime: optionalString,
  endDateTime: optionalString,
  gradesReleased: z.boolean().optional(),
});
export type LineItem = z.infer<typeof lineItemSchema>;

/** What a caller sends to create or replace a line item (PUT removes what is left out). */
export interface LineItemInput {
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

export const memberSchema = z.looseObject({
  userId: userIdSchema,
  roles: z.array(z.string()),
  status: z.enum(['Active', 'Inactive', 'Deleted']).default('Active'),
  email: optionalString,
  name: optionalString,
  givenName: optionalString,
  familyName: optionalString,
  picture: optionalString,
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
