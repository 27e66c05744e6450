#!/usr/bin/env sh
# The topics and ACLs the three apps need on a cluster with an authorizer
# (Apache Kafka's StandardAuthorizer, or any that speaks kafka-acls), one
# principal per app. Run once per environment as an administrator, e.g.
#
#   KAFKA_BOOTSTRAP=kafka:9093 ADMIN_CONFIG=admin.properties sh deploy/kafka/acls.sh
#
# Topics are created here, by the administrator: no app is given a create
# right (an app that finds a topic missing logs it and waits). Set PREFIX to
# the apps' KAFKA_TOPIC_PREFIX when one is used; the group names carry it too.
# test/kafka-security/app-acls.ts grants exactly these in the end-to-end suite.
set -eu
: "${KAFKA_BOOTSTRAP:?host:port of the cluster}"
: "${ADMIN_CONFIG:?client properties file of an administrator (SASL_SSL, super user or ALTER on the cluster)}"
PREFIX="${PREFIX:-}"
PARTITIONS="${PARTITIONS:-12}"
REPLICATION="${REPLICATION:-3}"

topics() { kafka-topics.sh --bootstrap-server "$KAFKA_BOOTSTRAP" --command-config "$ADMIN_CONFIG" "$@"; }
acls() { kafka-acls.sh --bootstrap-server "$KAFKA_BOOTSTRAP" --command-config "$ADMIN_CONFIG" "$@"; }

for topic in lti.launch-captured.v1 grading.score-ready.v1 grading.score-delivered.v1 grading.roster-refreshed.v1; do
  for name in "$topic" "$topic.dlq"; do
    topics --create --if-not-exists --topic "$PREFIX$name" --partitions "$PARTITIONS" --replication-factor "$REPLICATION"
  done
done

# launch: writes LaunchCaptured (WRITE on a topic also lets its idempotent producer get an id).
acls --add --allow-principal User:launch --operation Write --topic "${PREFIX}lti.launch-captured.v1"

# credential-vault: reads LaunchCaptured in its own group; writes what it cannot read to the dead-letter topic.
acls --add --allow-principal User:credential-vault --operation Read --topic "${PREFIX}lti.launch-captured.v1"
acls --add --allow-principal User:credential-vault --operation Write --topic "${PREFIX}lti.launch-captured.v1.dlq"
acls --add --allow-principal User:credential-vault --operation Read --group "${PREFIX}credential-vault"

# grading: reads scores (and their dead letters) and LaunchCaptured; writes scores taken over HTTP,
# outcomes, roster events and dead letters; describes the dead-letter topics it checks at start-up.
for topic in grading.score-ready.v1 lti.launch-captured.v1 grading.score-ready.v1.dlq; do
  acls --add --allow-principal User:grading --operation Read --topic "$PREFIX$topic"
done
for topic in grading.score-ready.v1 grading.score-delivered.v1 grading.roster-refreshed.v1 grading.score-ready.v1.dlq lti.launch-captured.v1.dlq; do
  acls --add --allow-principal User:grading --operation Write --topic "$PREFIX$topic"
done
for topic in grading.score-delivered.v1.dlq grading.roster-refreshed.v1.dlq; do
  acls --add --allow-principal User:grading --operation Describe --topic "$PREFIX$topic"
done
for group in grading grading-launches grading-dead-letters; do
  acls --add --allow-principal User:grading --operation Read --group "$PREFIX$group"
done
