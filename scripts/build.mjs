#!/usr/bin/env node
// Compiles every app, lib, CLI and benchmark into dist/ (apps at
// dist/apps/<app>/src/main.js), rewriting the @app/* path aliases; and
// bundles the console's page (dist/apps/console/public) with Vite, alongside.
import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from './lib/infra.mjs';
import { bin, must } from './lib/run.mjs';

fs.rmSync(path.join(ROOT, 'dist'), { recursive: true, force: true });
await Promise.all([
  (async () => {
    await must(bin('tsc'), ['-p', 'tsconfig.build.json']);
    await must(bin('tsc-alias'), ['-p', 'tsconfig.build.json']);
  })(),
  must(bin('vite'), ['build', '--config', path.join('apps', 'console', 'web', 'vite.config.mjs')]),
]);
