import { z } from 'zod';
import { infrastructureEnv, port } from '@app/config';

export const launchEnv = infrastructureEnv.extend({
  LAUNCH_PORT: port(3001),
});
export type LaunchConfig = z.infer<typeof launchEnv>;
