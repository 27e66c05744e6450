import { z } from 'zod';
import { launchCapturedEvent } from './events/launch-captured.v1';
import { rosterRefreshedEvent } from './events/roster-refreshed.v1';
import { scoreOutcomeEvent } from './events/score-delivered.v1';
import { scoreReadyData, scoreReadyEvent } from './events/score-ready.v1';

/** JSON Schema documents for graders written in other languages, by file name. */
export function jsonSchemas(): Record<string, unknown> {
  const docs: Record<string, z.ZodType> = {
    'launch-captured.v1.json': launchCapturedEvent,
    'score-ready.v1.json': scoreReadyEvent,
    'score-ready-data.v1.json': scoreReadyData,
    'score-outcome.v1.json': scoreOutcomeEvent,
    'roster-refreshed.v1.json': rosterRefreshedEvent,
  };
  return Object.fromEntries(Object.entries(docs).map(([file, schema]) => [file, z.toJSONSchema(schema, { unrepresentable: 'any', io: 'input' })]));
}
