import { z } from 'zod';

const httpUrl = z.url({ protocol: /^https?$/ });
const id = z.string().min(1).max(1000);

export const LaunchInput = z.strictObject({
  platformId: id,
  contextId: id,
  resourceLinkId: id,
  userId: id,
  roles: z.array(z.string().min(1)).min(1).default(['Learner']),
  services: z
    .strictObject({
      ags: z.boolean().default(true),
      nrps: z.boolean().default(true),
      deepLinking: z.boolean().default(false),
    })
    .default({ ags: true, nrps: true, deepLinking: false }),
  lineItem: z
    .strictObject({
      label: z.string().min(1),
      scoreMaximum: z.number().positive(),
      resourceId: z.string().optional(),
      tag: z.string().optional(),
    })
    .optional(),
  contextTitle: z.string().min(1).optional(),
  resourceLinkTitle: z.string().min(1).optional(),
  userName: z.string().min(1).optional(),
  userEmail: z.string().min(1).optional(),
  targetUrl: httpUrl.optional(),
});
export type LaunchInput = z.infer<typeof LaunchInput>;

export const MemberInput = z.strictObject({
  userId: id,
  roles: z.array(z.string().min(1)).min(1),
  name: z.string().min(1).optional(),
  email: z.string().min(1).optional(),
  givenName: z.string().min(1).optional(),
  familyName: z.string().min(1).optional(),
  status: z.enum(['Active', 'Inactive', 'Deleted']).default('Active'),
  resourceLinkIds: z.array(id).optional(),
});
export type MemberInput = z.infer<typeof MemberInput>;

export const EnrollInput = z.strictObject({ members: z.array(MemberInput).min(1).max(100_000) });

export const RevokeInput = z.strictObject({ serviceKey: z.string().min(1) });

export const PlatformSettingsInput = z.strictObject({
  timestampMode: z.enum(['stamped', 'strict-409', 'strict-400']).optional(),
  rateLimit: z
    .strictObject({ perSecond: z.number().positive(), burst: z.number().int().positive(), style: z.enum(['429', '403']).default('429') })
    .nullable()
    .optional(),
});

export const AdvanceClockInput = z.strictObject({ ms: z.number().int().nonnegative() });

export const RegistrationInput = z.strictObject({
  url: httpUrl.optional(),
  familyCode: z.string().min(1).optional(),
  version: z.string().min(1).optional(),
});

export const GradebookQuery = z.object({
  platformId: z.string().optional(),
  contextId: z.string().optional(),
  lineItemId: z.string().optional(),
  userId: z.string().optional(),
});
