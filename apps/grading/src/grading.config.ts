import { z } from 'zod';
import { infrastructureEnv, port } from '@app/config';

export const gradingEnv = infrastructureEnv.extend({
  GRADING_PORT: port(3003),
});
export type GradingConfig = z.infer<typeof gradingEnv>;
