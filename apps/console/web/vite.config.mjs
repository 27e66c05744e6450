// The console page: Preact components compiled by Vite's own JSX transform
// (no Babel plugin), bundled into one script and one stylesheet with hashed
// names, beside the compiled console server (dist/apps/console/public).
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root: here,
  base: '/',
  logLevel: 'warn',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: fileURLToPath(new URL('../../../dist/apps/console/public', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    // Nothing inline: the page's CSP allows scripts and styles from its own origin only.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    reportCompressedSize: false,
  },
});
