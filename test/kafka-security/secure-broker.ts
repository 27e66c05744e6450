// An Apache Kafka 4.x broker of this suite's own that takes clients only on
// SASL_SSL: a CA and a broker certificate made here with openssl, SCRAM-SHA-512
// users created when its storage is formatted, and the standard ACL authorizer
// with `admin` as the only super user besides the controller. Started and
// stopped through scripts/infra.mjs (jest cannot load ES modules directly).
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { AclOperationTypes, AclPermissionTypes, AclResourceTypes, ResourcePatternTypes, type Admin, type Kafka } from 'kafkajs';
import { testKafka } from '../support/infra';

const run = promisify(execFile);
const INFRA = join(__dirname, '..', '..', 'scripts', 'infra.mjs');

/** One ACL entry as `kafka-acls` and Strimzi's KafkaUser speak of it. */
export interface AclRule {
  resource: 'topic' | 'group';
  name: string;
  operation: 'Read' | 'Write' | 'Describe';
}

const secret = () => randomBytes(18).toString('base64url');

export class SecureBroker {
  readonly dir = mkdtempSync(join(tmpdir(), 'kafka-secure-'));
  readonly caFile = join(this.dir, 'ca.pem');
  /** A CA that signed nothing the broker shows: a client trusting only it must refuse the broker. */
  readonly otherCaFile = join(this.dir, 'other-ca.pem');
  readonly passwords: Record<string, string>;
  private adminClient?: Admin;

  constructor(
    readonly port: number,
    readonly controllerPort: number,
    /** SCRAM users besides `admin`. */
    users: string[],
  ) {
    this.passwords = Object.fromEntries(['admin', ...users].map((user) => [user, secret()]));
  }

  get brokers(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** What an app (or a test client) sets to reach this broker as `user`. */
  clientEnv(user: string, password = this.passwords[user]): Record<string, string> {
    return { KAFKA_BROKERS: this.brokers, KAFKA_SSL: 'true', KAFKA_SSL_CA_FILE: this.caFile, KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_USERNAME: user, KAFKA_SASL_PASSWORD: password };
  }

  client(user: string, password?: string): Kafka {
    return testKafka(this.brokers, this.clientEnv(user, password));
  }

  async start(): Promise<void> {
    this.makeCertificates();
    const node = join(this.dir, 'node');
    mkdirSync(node, { recursive: true });
    writeFileSync(join(node, 'server.properties'), this.serverProperties(join(node, 'data')));
    const scram = Object.entries(this.passwords).flatMap(([name, password]) => ['--add-scram', `SCRAM-SHA-512=[name=${name},password=${password}]`]);
    await run('node', [INFRA, 'node-start', node, ...scram], { env: { ...process.env, KAFKA_VERSION: '' }, timeout: 180_000 });
    // Up once the super user can read the cluster's metadata over SASL_SSL.
    const deadline = Date.now() + 150_000;
    for (;;) {
      try {
        const admin = this.client('admin').admin();
        await admin.connect();
        await admin.describeCluster();
        this.adminClient = admin;
        return;
      } catch (error) {
        if (Date.now() > deadline) throw new Error(`the secured broker did not answer on ${this.brokers}: ${String(error)}; see ${join(node, 'kafka.log')}`);
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
  }

  get admin(): Admin {
    if (!this.adminClient) throw new Error('the secured broker is not started');
    return this.adminClient;
  }

  async createTopics(names: string[]): Promise<void> {
    await this.admin.createTopics({ waitForLeaders: true, topics: names.map((topic) => ({ topic, numPartitions: 3, replicationFactor: 1 })) });
  }

  async grant(user: string, rules: AclRule[]): Promise<void> {
    await this.admin.createAcls({ acl: rules.map((rule) => this.acl(user, rule)) });
  }

  async revoke(user: string, rules: AclRule[]): Promise<void> {
    await this.admin.deleteAcls({ filters: rules.map((rule) => this.acl(user, rule)) });
  }

  async stop(): Promise<void> {
    await this.adminClient?.disconnect().catch(() => undefined);
    await run('node', [INFRA, 'node-stop', join(this.dir, 'node')], { timeout: 60_000 }).catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
  }

  private acl(user: string, rule: AclRule) {
    return {
      resourceType: rule.resource === 'topic' ? AclResourceTypes.TOPIC : AclResourceTypes.GROUP,
      resourceName: rule.name,
      resourcePatternType: ResourcePatternTypes.LITERAL,
      principal: `User:${user}`,
      host: '*',
      operation: { Read: AclOperationTypes.READ, Write: AclOperationTypes.WRITE, Describe: AclOperationTypes.DESCRIBE }[rule.operation],
      permissionType: AclPermissionTypes.ALLOW,
    };
  }

  /** A CA, a broker certificate it signs for 127.0.0.1 and localhost (PKCS#12 for the broker), and an unrelated CA. */
  private makeCertificates(): void {
    const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: this.dir, stdio: 'pipe' });
    const ca = (name: string) =>
      openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.pem`, '-days', '2', '-subj', `/CN=${name}`, '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
    ca('ca');
    ca('other-ca');
    openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'broker.key', '-out', 'broker.csr', '-subj', '/CN=localhost');
    writeFileSync(join(this.dir, 'broker.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n');
    openssl('x509', '-req', '-in', 'broker.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'broker.pem', '-days', '2', '-extfile', 'broker.ext');
    openssl('pkcs12', '-export', '-in', 'broker.pem', '-inkey', 'broker.key', '-certfile', 'ca.pem', '-name', 'broker', '-out', 'broker.p12', '-passout', `pass:${this.keystorePassword}`);
  }

  private readonly keystorePassword = secret();
  private readonly controllerPassword = secret();

  private serverProperties(dataDir: string): string {
    const jaasString = (value: string) => value.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
    return `# Written by test/kafka-security/secure-broker.ts.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:${this.controllerPort}
# Clients: SASL_SSL only. The controller listener is for this node itself (PLAIN, loopback).
listeners=SASL_SSL://127.0.0.1:${this.port},CONTROLLER://127.0.0.1:${this.controllerPort}
advertised.listeners=SASL_SSL://127.0.0.1:${this.port}
listener.security.protocol.map=SASL_SSL:SASL_SSL,CONTROLLER:SASL_PLAINTEXT
inter.broker.listener.name=SASL_SSL
controller.listener.names=CONTROLLER

sasl.enabled.mechanisms=SCRAM-SHA-512
sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="${jaasString(this.passwords.admin)}";
sasl.mechanism.controller.protocol=PLAIN
listener.name.controller.sasl.enabled.mechanisms=PLAIN
listener.name.controller.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="controller" password="${this.controllerPassword}" user_controller="${this.controllerPassword}";

ssl.keystore.type=PKCS12
ssl.keystore.location=${join(this.dir, 'broker.p12')}
ssl.keystore.password=${this.keystorePassword}
ssl.truststore.type=PEM
ssl.truststore.location=${this.caFile}
ssl.endpoint.identification.algorithm=https

authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
super.users=User:admin;User:controller
allow.everyone.if.no.acl.found=false
auto.create.topics.enable=false

log.dirs=${dataDir}
num.partitions=3
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=3
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=3
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
group.min.session.timeout.ms=1000
broker.heartbeat.interval.ms=1000
broker.session.timeout.ms=9000
num.network.threads=2
num.io.threads=2
num.recovery.threads.per.data.dir=1
log.segment.bytes=16777216
`;
  }
}
