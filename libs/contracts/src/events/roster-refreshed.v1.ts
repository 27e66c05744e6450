import { z } from 'zod';
import { cloudEvent } from '../envelope';

export const rosterRefreshedData = z
  .object({
    platformId: z.string(),
    contextId: z.string(),
    members: z.number().int().nonnegative(),
    active: z.number().int().nonnegative(),
    deactivated: z.number().int().nonnegative(),
    refreshedAt: z.iso.datetime({ offset: true }),
  })
  .strict();
export type RosterRefreshedData = z.infer<typeof rosterRefreshedData>;

export const ROSTER_REFRESHED_V1 = 'com.ltigrading.roster.refreshed.v1';
export const rosterRefreshedEvent = cloudEvent(ROSTER_REFRESHED_V1, rosterRefreshedData);
export type RosterRefreshedEvent = z.infer<typeof rosterRefreshedEvent>;
