// Captures every line the apps in this process write to stdout: pino writes
// to fd 1 through sonic-boom (fs.write / fs.writeSync), anything else through
// process.stdout.write. Log lines are kept and not echoed; other output passes.
import fs from 'node:fs';

export interface LogCapture {
  readonly lines: string[];
  text(): string;
  stop(): void;
}

export function captureStdout(): LogCapture {
  const chunks: string[] = [];
  const original = { write: fs.write, writeSync: fs.writeSync, stdoutWrite: process.stdout.write };
  const keep = (data: unknown): boolean => {
    const text = typeof data === 'string' ? data : Buffer.isBuffer(data) || data instanceof Uint8Array ? Buffer.from(data).toString('utf8') : '';
    if (!text) return false;
    chunks.push(text);
    return text.startsWith('{');
  };
  const patchedWriteSync = function (this: unknown, fd: number, data: unknown, ...rest: unknown[]): number {
    if (fd === 1 && keep(data)) return typeof data === 'string' ? Buffer.byteLength(data) : (data as Uint8Array).length;
    return (original.writeSync as (...a: unknown[]) => number).call(fs, fd, data, ...rest);
  };
  const patchedWrite = function (this: unknown, fd: number, data: unknown, ...rest: unknown[]): void {
    if (fd === 1 && keep(data)) {
      const callback = rest.find((r) => typeof r === 'function') as ((err: null, written: number) => void) | undefined;
      const written = typeof data === 'string' ? Buffer.byteLength(data) : (data as Uint8Array).length;
      if (callback) process.nextTick(callback, null, written);
      return;
    }
    (original.write as (...a: unknown[]) => void).call(fs, fd, data, ...rest);
  };
  (fs as { writeSync: unknown }).writeSync = patchedWriteSync;
  (fs as { write: unknown }).write = patchedWrite;
  process.stdout.write = function (this: NodeJS.WriteStream, data: unknown, ...rest: unknown[]): boolean {
    if (keep(data)) {
      const callback = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
      callback?.();
      return true;
    }
    return (original.stdoutWrite as (...a: unknown[]) => boolean).call(process.stdout, data, ...rest);
  } as typeof process.stdout.write;
  return {
    get lines() {
      return chunks.join('').split('\n').filter(Boolean);
    },
    text: () => chunks.join(''),
    stop() {
      (fs as { writeSync: unknown }).writeSync = original.writeSync;
      (fs as { write: unknown }).write = original.write;
      process.stdout.write = original.stdoutWrite;
    },
  };
}
