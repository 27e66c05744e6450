import { createHash, randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { EmulatorUrls } from './emulator-urls';
import { PlatformSettings, Registration } from './lms.types';

export type RegistrationFields = Pick<
  Registration,
  'url' | 'clientId' | 'name' | 'authenticationEndpoint' | 'accesstokenEndpoint' | 'authConfig' | 'authorizationServer'
>;

const DEFAULT_SETTINGS: PlatformSettings = { timestampMode: 'stamped', rateLimit: null };

/** LTIAAS's side: platform registrations, and how each emulated platform behaves. */
@Injectable()
export class RegistryStore {
  private readonly registrations = new Map<string, Registration>();
  /** Kept apart from registrations so a platform can be configured before its first launch. */
  private readonly settings = new Map<string, PlatformSettings>();

  constructor(private readonly urls: EmulatorUrls) {}

  get(id: string): Registration | undefined {
    return this.registrations.get(id);
  }

  list(): Registration[] {
    return [...this.registrations.values()];
  }

  findByIssuer(url: string, clientId: string): Registration | undefined {
    return this.list().find((r) => r.url === url && r.clientId === clientId);
  }

  create(fields: RegistrationFields, active: boolean, id = randomBytes(12).toString('hex')): Registration {
    const registration: Registration = {
      id,
      ...fields,
      publicKey: fakePublicKey(id),
      active,
      deploymentId: `deployment-${id}`,
      productFamilyCode: 'emulator',
    };
    this.registrations.set(id, registration);
    return registration;
  }

  /** The registration an admin launch needs; created (active) the first time. */
  ensureForLaunch(id: string): Registration {
    const existing = this.registrations.get(id);
    if (existing) return existing;
    const issuer = this.urls.platform(id);
    return this.create(
      {
        url: issuer,
        clientId: `client-${id}`,
        name: `Emulated LMS ${id}`,
        authenticationEndpoint: `${issuer}/auth`,
        accesstokenEndpoint: `${issuer}/token`,
        authConfig: { key: `${issuer}/keys`, method: 'JWK_SET' },
      },
      true,
      id,
    );
  }

  replace(id: string, fields: RegistrationFields): Registration | undefined {
    const existing = this.registrations.get(id);
    if (!existing) return undefined;
    const updated = { ...existing, ...fields };
    this.registrations.set(id, updated);
    return updated;
  }

  setActive(id: string, active: boolean): boolean {
    const existing = this.registrations.get(id);
    if (!existing) return false;
    existing.active = active;
    return true;
  }

  delete(id: string): boolean {
    return this.registrations.delete(id);
  }

  settingsOf(id: string): PlatformSettings {
    return this.settings.get(id) ?? DEFAULT_SETTINGS;
  }

  configure(id: string, patch: Partial<PlatformSettings>): PlatformSettings {
    // A new object each time: the rate limiter keys its bucket on this identity.
    const next = { ...this.settingsOf(id), ...patch };
    this.settings.set(id, next);
    return next;
  }

  reset(): void {
    this.registrations.clear();
    this.settings.clear();
  }
}

/** A stable PEM-shaped placeholder: nothing is signed with it, and RSA generation per platform would be slow. */
function fakePublicKey(id: string): string {
  const body = createHash('sha512').update(`emulator:${id}`).digest('base64');
  return `-----BEGIN PUBLIC KEY-----\n${body}\n-----END PUBLIC KEY-----\n`;
}
