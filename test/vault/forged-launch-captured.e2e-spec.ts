// An attacker who can write lti.launch-captured.v1 (issue #13): every launch
// pod holds the vault's PUBLIC seal key, so anyone can seal a serviceKey of
// their choosing. Only launch can sign. Over real Kafka, PostgreSQL, the
// emulator, launch, the vault and grading: forged, wrongly signed, replayed
// and re-targeted events are dead letters with the reason, the vault's stored
// key stays the real one, and grading does not act on them.
import { CompactEncrypt, importJWK, type JWK } from 'jose';
import { contextKey, envelope, LAUNCH_CAPTURED_V1, type ContextTriple, type LaunchCapturedEvent } from '@app/contracts';
import { createApiKey, exchangeApiKey } from '../support/auth';
import { gradingEnv, startGrading, type GradingHandle } from '../support/grading';
import { eventually, readTopic } from '../support/infra';
import { launchSigningPair } from '../support/launch-signing';
import { CaptureStack } from './capture-stack';

const triple = (n: string): ContextTriple => ({ platformId: 'https://canvas.example.edu', contextId: `course-${n}`, resourceLinkId: `quiz-${n}` });

describe('forged LaunchCaptured events', () => {
  let stack: CaptureStack;
  let grading: GradingHandle;
  const target = triple('target');
  const other = triple('other');
  let realKey: string;
  let realEvent: { key: string; value: string };
  let otherEvent: LaunchCapturedEvent;

  beforeAll(async () => {
    stack = await CaptureStack.start('forged_launch');
    const admin = await exchangeApiKey(stack.vaultApp.url, stack.bootstrapKey);
    const gradingKey = await createApiKey(stack.vaultApp.url, admin.access_token, { handle: 'grading', scopes: ['credentials:resolve', 'revocations:read'] });
    grading = await startGrading(
      gradingEnv({
        databaseUrl: stack.databaseUrl,
        brokers: stack.brokers,
        topicPrefix: stack.prefix,
        ltiaasUrl: stack.emulator.url,
        ltiaasApiKey: stack.emulator.apiKey,
        vaultUrl: stack.vaultApp.url,
        gradingApiKey: gradingKey.apiKey,
        overrides: { JOBS_ENABLED: 'false' },
      }),
    );
    // Two real launches through launch: the key the attacker wants to replace, and a signed event to re-target.
    for (const t of [target, other]) {
      const launch = await stack.lmsLaunch(t);
      expect((await stack.visit(launch.ltik)).status).toBe(302);
      if (t === target) realKey = launch.serviceKey!;
    }
    await resolvedTo(target, realKey);
    await bothCaughtUp();
    const records = (await readTopic(stack.kafka, stack.topic, 2)).map((r) => ({ key: r.key!.toString(), value: r.value!.toString() }));
    realEvent = records.find((r) => JSON.parse(r.value).data.contextId === target.contextId)!;
    otherEvent = JSON.parse(records.find((r) => JSON.parse(r.value).data.contextId === other.contextId)!.value) as LaunchCapturedEvent;
  });

  afterAll(async () => {
    await grading?.close().catch(() => undefined);
    await stack?.close();
  });

  async function resolvedTo(t: ContextTriple, key: string): Promise<void> {
    await eventually(async () => {
      const res = await stack.resolve(t);
      return res.status === 200 && ((await res.json()) as { serviceKey: string }).serviceKey === key;
    }, { what: `the vault to hold the real key of ${contextKey(t)}` });
  }

  async function committed(group: string): Promise<boolean> {
    const admin = stack.kafka.admin();
    await admin.connect();
    try {
      const [high, done] = await Promise.all([admin.fetchTopicOffsets(stack.topic), admin.fetchOffsets({ groupId: group, topics: [stack.topic] })]);
      const at = new Map(done[0]?.partitions.map((p) => [p.partition, Number(p.offset)]) ?? []);
      return high.every((p) => Number(p.high) === 0 || (at.get(p.partition) ?? -1) >= Number(p.high));
    } finally {
      await admin.disconnect();
    }
  }

  /** The vault and grading have both committed past every record on the topic. */
  async function bothCaughtUp(): Promise<void> {
    await eventually(async () => (await committed(`${stack.prefix}credential-vault`)) && (await committed(`${stack.prefix}grading-launches`)), { timeoutMs: 60_000, what: 'the vault and grading to consume every LaunchCaptured' });
  }

  /** Sealed to the vault's public seal key, as anyone holding it can. */
  async function attackerSeal(t: ContextTriple, plaintext: string): Promise<string> {
    const publicKey = await importJWK(JSON.parse(stack.secrets.VAULT_SEAL_PUBLIC_JWK) as JWK, 'ECDH-ES');
    return new CompactEncrypt(new TextEncoder().encode(plaintext)).setProtectedHeader({ alg: 'ECDH-ES', enc: 'A256GCM', ctx: { ...t } } as never).encrypt(publicKey);
  }

  async function gradingLastLaunch(t: ContextTriple): Promise<{ at: string; eventId: string } | undefined> {
    const { rows } = await stack.db.query(
      `SELECT to_char(last_launch_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS at, last_launch_event_id AS "eventId" FROM grading.contexts WHERE platform_id = $1 AND context_id = $2 AND resource_link_id = $3`,
      [t.platformId, t.contextId, t.resourceLinkId],
    );
    return rows[0];
  }

  it('are dead letters with the reason; the vault keeps the real key and grading acts on none of them', async () => {
    const before = { grading: await gradingLastLaunch(target), dlq: await stack.topicSize(`${stack.topic}.dlq`).catch(() => 0) };
    expect(before.grading?.eventId).toBe(JSON.parse(realEvent.value).id);
    // Stamped a few seconds ahead, so that if it were believed it would win every ordering.
    const ahead = new Date(Date.now() + 5_000).toISOString();
    const forged = envelope(LAUNCH_CAPTURED_V1, 'launch', {
      ...target,
      userId: 'mallory',
      roles: ['Instructor'],
      launchedAt: ahead,
      sealedServiceKey: await attackerSeal(target, 'attacker-service-key'),
      services: { assignmentAndGrades: { available: true }, namesAndRoles: { available: true } },
    });
    const wronglySigned = await launchSigningPair().sign({ ...forged, id: `${forged.id}-w` });
    // A real, signed event for another context, its data pointed at the target and the attacker's key.
    const retargeted = { ...otherEvent, data: { ...otherEvent.data, ...target, launchedAt: ahead, sealedServiceKey: await attackerSeal(target, 'attacker-service-key') } };

    const producer = stack.kafka.producer();
    await producer.connect();
    await producer.send({
      topic: stack.topic,
      messages: [
        { key: contextKey(target), value: JSON.stringify(forged) },
        { key: contextKey(target), value: JSON.stringify(wronglySigned) },
        realEvent,
        { key: contextKey(target), value: JSON.stringify(retargeted) },
      ],
    });
    await producer.disconnect();
    await bothCaughtUp();

    // The vault: four dead letters; grading: three more (a replay of a real event changes nothing there).
    const letters = await readTopic(stack.kafka, `${stack.topic}.dlq`, before.dlq + 7);
    const reasonsFor = (id: string) => letters.filter((l) => JSON.parse(l.value!.toString()).id === id).map((l) => l.headers?.['dlq-error']?.toString());
    expect(reasonsFor(forged.id)).toEqual(['unsigned: the event carries no launchsignature', 'unsigned: the event carries no launchsignature']);
    expect(reasonsFor(wronglySigned.id)).toEqual([expect.stringMatching(/^launchsignature was made with a key that is not trusted/), expect.stringMatching(/^launchsignature was made with a key that is not trusted/)]);
    expect(reasonsFor(JSON.parse(realEvent.value).id)).toEqual([expect.stringMatching(/^replayed: event .* was already applied at \d{4}-/)]);
    const moved = `signed payload is for context ${contextKey(other)}, not the event's ${contextKey(target)}`;
    expect(reasonsFor(otherEvent.id)).toEqual([moved, moved]);

    // The stored key is the real one, never replaced, and grading's view of the context did not move.
    const res = await stack.resolve(target);
    expect(((await res.json()) as { serviceKey: string }).serviceKey).toBe(realKey);
    const { rows } = await stack.db.query(`SELECT version FROM vault.service_keys WHERE platform_id = $1 AND context_id = $2 AND resource_link_id = $3`, [target.platformId, target.contextId, target.resourceLinkId]);
    expect(rows[0].version).toBe(1);
    expect(await gradingLastLaunch(target)).toEqual(before.grading);
    const audit = await stack.db.query(`SELECT count(*)::int AS n FROM vault.audit_log WHERE subject_id = $1 AND action = 'service-key.overwrite'`, [contextKey(target)]);
    expect(audit.rows[0].n).toBe(0);
  });

  it('leaves real launches working afterwards: the next one replaces the key and grading records it', async () => {
    const launch = await stack.lmsLaunch({ ...target, userId: 'teacher-2' });
    expect((await stack.visit(launch.ltik)).status).toBe(302);
    await resolvedTo(target, launch.serviceKey!);
    await bothCaughtUp();
    const records = await readTopic(stack.kafka, stack.topic, await stack.topicSize());
    const latest = records.map((r) => JSON.parse(r.value!.toString()) as LaunchCapturedEvent).filter((e) => e.data.userId === 'teacher-2');
    expect(latest).toHaveLength(1);
    expect(await gradingLastLaunch(target)).toMatchObject({ eventId: latest[0].id });
  });
});
