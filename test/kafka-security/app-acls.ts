// The ACLs each app needs, as the suite grants them; deploy/kafka/acls.sh and
// the KafkaUser manifests beside it say the same for a real cluster. Topics are
// created by an administrator beforehand, so no app holds a create right; each
// app may describe the topics it makes sure exist at start-up.
import { deadLetterTopic, TOPICS } from '@app/contracts';
import type { AclRule } from './secure-broker';

export type AppPrincipal = 'launch' | 'credential-vault' | 'grading';

/** The consumer groups as the apps name them (KAFKA_TOPIC_PREFIX + name). */
const GROUPS: Record<AppPrincipal, string[]> = {
  launch: [],
  'credential-vault': ['credential-vault'],
  grading: ['grading', 'grading-launches', 'grading-dead-letters'],
};

const PRODUCES: Record<AppPrincipal, string[]> = {
  launch: [TOPICS.launchCaptured],
  // dead letters of what it consumes
  'credential-vault': [deadLetterTopic(TOPICS.launchCaptured)],
  grading: [TOPICS.scoreReady, TOPICS.scoreDelivered, TOPICS.rosterRefreshed, deadLetterTopic(TOPICS.scoreReady), deadLetterTopic(TOPICS.launchCaptured)],
};

const CONSUMES: Record<AppPrincipal, string[]> = {
  launch: [],
  'credential-vault': [TOPICS.launchCaptured],
  grading: [TOPICS.scoreReady, TOPICS.launchCaptured, deadLetterTopic(TOPICS.scoreReady)],
};

/** Seen at start-up only (grading makes sure every topic it names and its dead-letter topic exist). */
const DESCRIBES: Record<AppPrincipal, string[]> = {
  launch: [],
  'credential-vault': [],
  grading: [deadLetterTopic(TOPICS.scoreDelivered), deadLetterTopic(TOPICS.rosterRefreshed)],
};

export function appAcls(app: AppPrincipal, prefix = ''): AclRule[] {
  return [
    ...PRODUCES[app].map((topic): AclRule => ({ resource: 'topic', name: `${prefix}${topic}`, operation: 'Write' })),
    ...CONSUMES[app].map((topic): AclRule => ({ resource: 'topic', name: `${prefix}${topic}`, operation: 'Read' })),
    ...DESCRIBES[app].map((topic): AclRule => ({ resource: 'topic', name: `${prefix}${topic}`, operation: 'Describe' })),
    ...GROUPS[app].map((group): AclRule => ({ resource: 'group', name: `${prefix}${group}`, operation: 'Read' })),
  ];
}

/** Every topic and dead-letter topic, as the administrator creates them. */
export const allTopics = (prefix = ''): string[] => Object.values(TOPICS).flatMap((topic) => [`${prefix}${topic}`, `${prefix}${deadLetterTopic(topic)}`]);
