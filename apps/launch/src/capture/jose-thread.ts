import type { KeyObject } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import type { OnModuleDestroy } from '@nestjs/common';
import type { CompactJWEHeaderParameters, CompactJWSHeaderParameters } from 'jose';

/** The keys the thread holds: the vault's public seal key and launch's private signing key. */
export interface JoseThreadKeys {
  seal: KeyObject;
  sign: KeyObject;
}

type Request = { id: number; op: 'encrypt' | 'sign'; text: string; header: CompactJWEHeaderParameters | CompactJWSHeaderParameters };
type Reply = { id: number; token: string } | { id: number; error: string };

/**
 * The thread's code. It is a string, not a module of its own, so that the same
 * code runs from the build and from the TypeScript sources the tests load; it
 * only calls jose, whose path it is given.
 */
const THREAD_CODE = `
const { parentPort, workerData } = require('node:worker_threads');
const { pathToFileURL } = require('node:url');
const encoder = new TextEncoder();
const jose = import(pathToFileURL(workerData.jose).href);
parentPort.on('message', async ({ id, op, text, header }) => {
  try {
    const { CompactEncrypt, CompactSign } = await jose;
    const token = op === 'encrypt'
      ? await new CompactEncrypt(encoder.encode(text)).setProtectedHeader(header).encrypt(workerData.keys.seal)
      : await new CompactSign(encoder.encode(text)).setProtectedHeader(header).sign(workerData.keys.sign);
    parentPort.postMessage({ id, token });
  } catch (error) {
    parentPort.postMessage({ id, error: error instanceof Error ? error.message : String(error) });
  }
});
`;

/**
 * Runs launch's two JOSE operations, sealing the serviceKey and signing the
 * event, on a thread of their own. jose 6 goes through WebCrypto, and most of
 * WebCrypto's cost per call falls on the calling thread: about 0.5 ms a launch,
 * a quarter of the event loop at 500 launches/s. On this thread it no longer
 * delays the requests being served meanwhile. The keys cross once, at start.
 * If the thread dies, the calls waiting on it fail (the launch is still sent
 * on, uncaptured, as for any capture error) and the next call starts a new one.
 */
export class JoseThread implements OnModuleDestroy {
  private worker?: Worker;
  private nextId = 0;
  private readonly waiting = new Map<number, { resolve: (token: string) => void; reject: (error: Error) => void }>();
  private closed = false;

  constructor(private readonly keys: JoseThreadKeys) {}

  /** A compact JWE of `plaintext` to the seal key. */
  encrypt(plaintext: string, header: CompactJWEHeaderParameters): Promise<string> {
    return this.call({ op: 'encrypt', text: plaintext, header });
  }

  /** A compact JWS of `payload` with the signing key. */
  sign(payload: string, header: CompactJWSHeaderParameters): Promise<string> {
    return this.call({ op: 'sign', text: payload, header });
  }

  async onModuleDestroy(): Promise<void> {
    this.closed = true;
    await this.worker?.terminate();
    this.worker = undefined;
  }

  private call(request: Omit<Request, 'id'>): Promise<string> {
    if (this.closed) return Promise.reject(new Error('the JOSE thread is closed'));
    const id = this.nextId++;
    return new Promise<string>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.thread().postMessage({ id, ...request } satisfies Request);
    });
  }

  private thread(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(THREAD_CODE, { eval: true, workerData: { jose: require.resolve('jose'), keys: this.keys } });
    // Idle, it must not keep the process alive; the calls in flight keep their own promises.
    worker.unref();
    worker.on('message', (reply: Reply) => {
      const caller = this.waiting.get(reply.id);
      this.waiting.delete(reply.id);
      if ('token' in reply) caller?.resolve(reply.token);
      else caller?.reject(new Error(reply.error));
    });
    const lost = (error: Error) => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      for (const caller of this.waiting.values()) caller.reject(error);
      this.waiting.clear();
    };
    worker.on('error', lost);
    worker.on('exit', (code) => lost(new Error(`the JOSE thread stopped (exit code ${code})`)));
    this.worker = worker;
    return worker;
  }
}
