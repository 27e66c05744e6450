import { KafkaJSConnectionError, KafkaJSNonRetriableError, KafkaJSNumberOfRetriesExceeded, KafkaJSProtocolError, KafkaJSSASLAuthenticationError } from 'kafkajs';
import { kafkaRefusal, KafkaRefusals } from './kafka-refusal';

// kafkajs's own error classes, as it throws them (its type declarations miss their constructors' options).
const make = (errorClass: unknown, ...args: unknown[]): Error => new (errorClass as new (...a: unknown[]) => Error)(...args);

describe('kafkaRefusal', () => {
  it('names refused credentials, a missing ACL and an untrusted certificate, through kafkajs wrappers', () => {
    const sasl = make(KafkaJSSASLAuthenticationError, 'SASL SCRAM SHA512 authentication failed: Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512');
    expect(kafkaRefusal(make(KafkaJSNonRetriableError, sasl, { cause: sasl }))).toMatch(/^the broker refused our SASL credentials \(KAFKA_SASL_USERNAME \/ KAFKA_SASL_PASSWORD\): SASL SCRAM SHA512/);
    const acl = make(KafkaJSProtocolError, { message: 'Not authorized to access group: Group authorization failed', type: 'GROUP_AUTHORIZATION_FAILED', code: 30, retriable: false });
    expect(kafkaRefusal(acl)).toBe("the broker's ACLs refuse this principal (GROUP_AUTHORIZATION_FAILED): Not authorized to access group: Group authorization failed");
    const tls = make(KafkaJSConnectionError, 'Connection error: self-signed certificate in certificate chain', { broker: 'b:9093', code: 'SELF_SIGNED_CERT_IN_CHAIN' });
    expect(kafkaRefusal(make(KafkaJSNumberOfRetriesExceeded, tls, { retryCount: 5, retryTime: 1000 }))).toMatch(/^the broker's TLS certificate is not trusted \(SELF_SIGNED_CERT_IN_CHAIN; see KAFKA_SSL_CA_FILE\)/);
  });

  it('leaves outages and the records’ own faults alone', () => {
    expect(kafkaRefusal(make(KafkaJSConnectionError, 'Connection error: connect ECONNREFUSED 127.0.0.1:9092', { code: 'ECONNREFUSED' }))).toBeUndefined();
    expect(kafkaRefusal(make(KafkaJSProtocolError, { message: 'The request included a message larger than the max message size the server will accept', type: 'MESSAGE_TOO_LARGE', code: 10 }))).toBeUndefined();
    expect(kafkaRefusal(new Error('boom'))).toBeUndefined();
    expect(kafkaRefusal(undefined)).toBeUndefined();
  });

  it('keeps a refusal per client until that client gets through', () => {
    const refusals = new KafkaRefusals();
    refusals.report('consumer group g', 'no');
    refusals.report('producer to t', 'no');
    refusals.clear('consumer group g');
    expect(refusals.all()).toEqual([{ source: 'producer to t', reason: 'no' }]);
  });
});
