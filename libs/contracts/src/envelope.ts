import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { identifier } from './text';

/** CloudEvents 1.0 structured JSON envelope (https://github.com/cloudevents/spec). */
export function cloudEvent<TType extends string, TData extends z.ZodType>(type: TType, data: TData) {
  return z.object({
    specversion: z.literal('1.0'),
    id: identifier('id', 200),
    source: identifier('source', 500),
    type: z.literal(type),
    time: z.iso.datetime({ offset: true }),
    datacontenttype: z.literal('application/json').optional(),
    subject: identifier('subject', 500).optional(),
    /** Extension attribute: carries the HTTP request id into Kafka and back. */
    correlationid: identifier('correlationid', 200).optional(),
    /** Extension attribute: the handle of the API key that submitted the event over HTTP (absent on events published to Kafka directly). */
    submittedby: identifier('submittedby', 200).optional(),
    data,
  });
}

export interface EnvelopeOptions {
  id?: string;
  time?: string;
  correlationId?: string;
  subject?: string;
  submittedBy?: string;
}

export interface CloudEvent<TType extends string, TData> {
  specversion: '1.0';
  id: string;
  source: string;
  type: TType;
  time: string;
  datacontenttype?: 'application/json';
  subject?: string;
  correlationid?: string;
  submittedby?: string;
  data: TData;
}

export function envelope<TType extends string, TData>(type: TType, source: string, data: TData, options: EnvelopeOptions = {}): CloudEvent<TType, TData> {
  return {
    specversion: '1.0',
    id: options.id ?? randomUUID(),
    source,
    type,
    time: options.time ?? new Date().toISOString(),
    datacontenttype: 'application/json',
    ...(options.subject ? { subject: options.subject } : {}),
    ...(options.correlationId ? { correlationid: options.correlationId } : {}),
    ...(options.submittedBy ? { submittedby: options.submittedBy } : {}),
    data,
  };
}
