import { Injectable } from '@nestjs/common';
import { LtiaasError } from '../common/ltiaas.error';
import { Registration } from '../lms/lms.types';
import { RegistryStore } from '../lms/registry.store';
import { ListPlatformsQuery, PlatformBody, PlatformView, toPlatformView } from './platform.dto';

/** LTIAAS platform registrations (Bearer endpoints, reference §5.13). */
@Injectable()
export class PlatformsService {
  constructor(private readonly registry: RegistryStore) {}

  list(query: ListPlatformsQuery): { platforms: PlatformView[] } {
    const platforms = this.registry
      .list()
      .filter(
        (r) =>
          (query.id === undefined || r.id === query.id) &&
          (query.url === undefined || r.url === query.url) &&
          (query.clientId === undefined || r.clientId === query.clientId),
      )
      .map(toPlatformView);
    return { platforms };
  }

  get(id: string): PlatformView {
    return toPlatformView(this.find(id));
  }

  create(body: PlatformBody): PlatformView {
    this.refuseDuplicate(body);
    const { active, ...fields } = body;
    // Manual registrations are usable right away unless the body says otherwise; dynamic ones follow autoActivate.
    return toPlatformView(this.registry.create(fields, active ?? true));
  }

  replace(id: string, body: PlatformBody): PlatformView {
    this.find(id);
    this.refuseDuplicate(body, id);
    const { active, ...fields } = body;
    // A full replacement: an authorizationServer left out is removed.
    this.registry.replace(id, { ...fields, authorizationServer: fields.authorizationServer });
    if (active !== undefined) this.registry.setActive(id, active);
    return toPlatformView(this.find(id));
  }

  delete(id: string): void {
    this.find(id);
    this.registry.delete(id);
  }

  setActive(id: string, active: boolean): void {
    this.find(id);
    this.registry.setActive(id, active);
  }

  private find(id: string): Registration {
    const found = this.registry.get(id);
    if (!found) throw LtiaasError.notFound(`Platform ${id} not found`);
    return found;
  }

  /** Launches are matched on (url, clientId), so two registrations may not share it. */
  private refuseDuplicate(body: PlatformBody, exceptId?: string): void {
    const clash = this.registry.findByIssuer(body.url, body.clientId);
    if (clash && clash.id !== exceptId) throw LtiaasError.conflict('A platform with this url and clientId is already registered');
  }
}
