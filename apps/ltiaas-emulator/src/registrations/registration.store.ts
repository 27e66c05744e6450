import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';

/** A dynamic registration waiting for the tool's pre-approval (reference §5.12). */
export interface PendingRegistration {
  id: string;
  url: string;
  familyCode: string;
  version: string;
  registrationToken: string;
}

@Injectable()
export class RegistrationStore {
  private readonly pending = new Map<string, PendingRegistration>();

  create(fields: Omit<PendingRegistration, 'id' | 'registrationToken'>): PendingRegistration {
    const registration = { ...fields, id: randomBytes(12).toString('hex'), registrationToken: randomBytes(16).toString('base64url') };
    this.pending.set(registration.id, registration);
    return registration;
  }

  get(id: string): PendingRegistration | undefined {
    return this.pending.get(id);
  }

  /** The id is single-use: once completed it stops working. */
  consume(id: string): boolean {
    return this.pending.delete(id);
  }

  reset(): void {
    this.pending.clear();
  }
}
