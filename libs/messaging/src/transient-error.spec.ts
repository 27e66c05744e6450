import { isTransientError } from './transient-error';

const pgError = (code: string) => Object.assign(new Error(`pg ${code}`), { code });

describe('isTransientError', () => {
  it('takes database and broker trouble as transient, so a record waits instead of dead-lettering', () => {
    for (const code of ['08006', '53100', '53200', '53300', '57014', '57P01', '40001', '40P01', '25006', '55P03', 'ECONNRESET']) {
      expect([code, isTransientError(pgError(code))]).toEqual([code, true]);
    }
    expect(isTransientError({ driverError: { code: '53100' } })).toBe(true);
    expect(isTransientError(new Error('Query read timeout'))).toBe(true);
    expect(isTransientError(Object.assign(new Error('x'), { name: 'KafkaJSConnectionError' }))).toBe(true);
  });

  it("takes the record's own faults as permanent", () => {
    for (const code of ['22P02', '23505', '22001', '23502', '22021']) {
      expect([code, isTransientError(pgError(code))]).toEqual([code, false]);
    }
    expect(isTransientError(new Error('missing field userId'))).toBe(false);
    expect(isTransientError(undefined)).toBe(false);
  });
});

describe('isRecordDataError', () => {
  it('tells a value the database refuses from an outage', () => {
    const { isRecordDataError } = jest.requireActual('./transient-error') as typeof import('./transient-error');
    expect(isRecordDataError({ code: '22021' })).toBe(true); // invalid byte sequence for encoding
    expect(isRecordDataError({ driverError: { code: '22P05' } })).toBe(true); // untranslatable character
    expect(isRecordDataError({ code: '54000' })).toBe(true); // index row size exceeds maximum
    expect(isRecordDataError({ code: '08006' })).toBe(false);
    expect(isRecordDataError({ code: 'ECONNRESET' })).toBe(false);
    expect(isRecordDataError(new Error('boom'))).toBe(false);
  });
});
