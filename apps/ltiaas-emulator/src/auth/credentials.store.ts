import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';

export interface LaunchServices {
  ags: boolean;
  nrps: boolean;
  deepLinking: boolean;
}

/** The launch context a credential is bound to (reference §2: one ltik = one launch context). */
export interface LaunchContext {
  platformId: string;
  contextId: string;
  resourceLinkId: string;
  services: LaunchServices;
}

export interface LaunchRecord extends LaunchContext {
  ltik: string;
  issuedAt: number;
  userId: string;
  roles: string[];
  targetUrl: string;
  serviceKey?: string;
  lineItemId?: string;
}

export interface ServiceKeyRecord extends LaunchContext {
  key: string;
  issuedAt: number;
  revoked: boolean;
}

/** ltiks and serviceKeys issued by launches. */
@Injectable()
export class CredentialsStore {
  private readonly ltiks = new Map<string, LaunchRecord>();
  private readonly serviceKeys = new Map<string, ServiceKeyRecord>();

  issueLtik(launch: Omit<LaunchRecord, 'ltik'>): LaunchRecord {
    const record: LaunchRecord = { ...launch, ltik: token() };
    this.ltiks.set(record.ltik, record);
    return record;
  }

  /** A fresh key per launch; earlier keys of the same context stay valid (reference §2). */
  issueServiceKey(context: LaunchContext, issuedAt: number): ServiceKeyRecord {
    const record: ServiceKeyRecord = { ...context, key: token(), issuedAt, revoked: false };
    this.serviceKeys.set(record.key, record);
    return record;
  }

  launch(ltik: string): LaunchRecord | undefined {
    return this.ltiks.get(ltik);
  }

  serviceKey(key: string): ServiceKeyRecord | undefined {
    return this.serviceKeys.get(key);
  }

  revokeServiceKey(key: string): boolean {
    const record = this.serviceKeys.get(key);
    if (!record) return false;
    record.revoked = true;
    return true;
  }

  reset(): void {
    this.ltiks.clear();
    this.serviceKeys.clear();
  }
}

const token = (): string => randomBytes(24).toString('base64url');
