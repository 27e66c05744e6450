// Another Node.js release for the test run (`npm test` runs the suites on the
// machine's Node.js and on the current LTS). The npm registry ships each
// release's binary as a package (node-<platform>-<arch>), so it installs like
// any dependency, into a git-ignored cache, once.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from './infra.mjs';

/** The node binary of the newest release of this major line, installed on first use. */
export function ensureNodeRuntime(major, { log = (m) => process.stderr.write(`[node] ${m}\n`) } = {}) {
  const pkg = `node-${os.platform()}-${os.arch()}`;
  const prefix = path.join(ROOT, '.cache', `node-${major}`);
  const binary = path.join(prefix, 'node_modules', pkg, 'bin', 'node');
  if (!fs.existsSync(binary)) {
    log(`installing Node.js ${major} (${pkg}) from the npm registry into ${path.relative(ROOT, prefix)}/`);
    fs.mkdirSync(prefix, { recursive: true });
    const npm = spawnSync('npm', ['install', '--no-save', '--no-audit', '--no-fund', '--no-package-lock', '--prefix', prefix, `${pkg}@${major}`], {
      stdio: 'inherit',
    });
    if (npm.status !== 0 || !fs.existsSync(binary)) throw new Error(`could not install ${pkg}@${major} (npm exit ${npm.status})`);
  }
  const version = spawnSync(binary, ['--version'], { encoding: 'utf8' }).stdout.trim();
  return { binary, version };
}
