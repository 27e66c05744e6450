import { CredentialsStore } from '../auth/credentials.store';
import { EmulatorClock } from '../clock/clock';
import { EmulatorConfig } from '../config/emulator.config';
import { Counters } from '../inspection/counters';
import { CourseStore } from '../lms/course.store';
import { EmulatorUrls } from '../lms/emulator-urls';
import { GradebookStore } from '../lms/gradebook.store';
import { RegistryStore } from '../lms/registry.store';
import { LaunchInput } from '../admin/dto/admin.dto';
import { LaunchService } from './launch.service';

function setup() {
  const urls = new EmulatorUrls();
  urls.setBase('http://127.0.0.1:9999');
  const registry = new RegistryStore(urls);
  const courses = new CourseStore();
  const gradebook = new GradebookStore(urls);
  const credentials = new CredentialsStore();
  const config = { launchTarget: 'http://tool.test/launch?x=1' } as EmulatorConfig;
  const service = new LaunchService(config, registry, courses, gradebook, credentials, new EmulatorClock(), new Counters());
  return { service, registry, courses, gradebook, credentials };
}

const input = (extra: Partial<LaunchInput> = {}): LaunchInput =>
  LaunchInput.parse({ platformId: 'p', contextId: 'c', resourceLinkId: 'r', userId: 'u', ...extra });

describe('LaunchService', () => {
  it('creates what is missing and redirects to the target with the ltik', () => {
    const { service, registry, courses } = setup();
    const result = service.launch(input({ userName: 'Ada Lovelace' }));
    expect(registry.get('p')?.active).toBe(true);
    expect(courses.getCourse('p', 'c')?.members.get('u')?.roles).toEqual(['http://purl.imsglobal.org/vocab/lis/v2/membership#Learner']);
    expect(courses.getUser('p', 'u')).toMatchObject({ givenName: 'Ada', familyName: 'Lovelace' });
    expect(result.redirectUrl).toBe(`http://tool.test/launch?x=1&ltik=${result.ltik}`);
  });

  it('issues a new serviceKey per launch and none without AGS or NRPS', () => {
    const { service, credentials } = setup();
    const a = service.launch(input());
    const b = service.launch(input());
    expect(a.serviceKey).toBeDefined();
    expect(b.serviceKey).not.toBe(a.serviceKey);
    expect(credentials.serviceKey(a.serviceKey!)?.revoked).toBe(false);
    expect(service.launch(input({ services: { ags: false, nrps: false, deepLinking: true } })).serviceKey).toBeUndefined();
  });

  it('surfaces the line item only while exactly one is tied to the activity', () => {
    const { service, gradebook, courses } = setup();
    const first = service.launch(input({ lineItem: { label: 'Quiz', scoreMaximum: 10 } }));
    expect(first.lineItemId).toBe('http://127.0.0.1:9999/lms/p/courses/c/lineitems/1?type_id=1');
    expect(service.launch(input({ lineItem: { label: 'Quiz', scoreMaximum: 10 } })).lineItemId).toBe(first.lineItemId);
    gradebook.createLineItem(courses.getCourse('p', 'c')!, { label: 'Extra', scoreMaximum: 5, resourceLinkId: 'r' });
    expect(service.launch(input()).lineItemId).toBeUndefined();
  });

  it('refuses to launch an inactive platform', () => {
    const { service, registry } = setup();
    service.launch(input());
    registry.setActive('p', false);
    expect(() => service.launch(input())).toThrow('UNREGISTERED_OR_INACTIVE_PLATFORM');
  });
});
