// The Strimzi KafkaUser of each app grants exactly what the end-to-end suite
// over a secured broker proved enough (test/kafka-security/app-acls.ts).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { appAcls, type AppPrincipal } from '../kafka-security/app-acls';

type KafkaUser = { metadata: { name: string }; spec: { authentication: { type: string }; authorization: { acls: Array<{ resource: { type: string; name: string; patternType: string }; operations: string[] }> } } };

describe('deploy/kafka KafkaUser manifests', () => {
  it.each<AppPrincipal>(['launch', 'credential-vault', 'grading'])('give %s exactly the ACLs the secured suite grants', (app) => {
    const user = parse(readFileSync(join(__dirname, '..', '..', 'deploy', 'kafka', `kafkauser-${app}.yaml`), 'utf8')) as KafkaUser;
    expect(user.metadata.name).toBe(app);
    expect(user.spec.authentication.type).toBe('scram-sha-512');
    const granted = user.spec.authorization.acls.flatMap((acl) => acl.operations.map((operation) => `${acl.resource.type} ${acl.resource.patternType} ${acl.resource.name} ${operation}`));
    const needed = appAcls(app).map((rule) => `${rule.resource} literal ${rule.name} ${rule.operation}`);
    expect(granted.sort()).toEqual(needed.sort());
  });
});
