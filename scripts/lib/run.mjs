// Running the project's own tools from scripts, with their output passed through.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { ROOT } from './infra.mjs';

export const bin = (name) => path.join(ROOT, 'node_modules', '.bin', name);

/** Runs a command to completion; resolves with its exit code. */
export function run(command, args, { env = process.env, cwd = ROOT } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: 'inherit' });
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

/** Like run(), but a non-zero exit stops the calling script with the same code. */
export async function must(command, args, options) {
  const code = await run(command, args, options);
  if (code !== 0) {
    process.stderr.write(`\n${path.basename(command)} ${args.join(' ')} failed with exit code ${code}\n`);
    process.exit(code);
  }
}
