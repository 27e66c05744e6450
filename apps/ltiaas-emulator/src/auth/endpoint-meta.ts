import { EndpointName } from '../faults/fault-config';
import type { AuthScheme } from './auth.service';

export interface EndpointMeta {
  name: EndpointName;
  /** The schemes the reference's endpoint map accepts here (§1). */
  auth: readonly AuthScheme[];
  /** The LTI service the launch context must have. */
  service?: 'ags' | 'nrps';
}

export const ENDPOINT_META = 'ltiaas:endpoint';
