// Builds the explorer bundle into dist/ (index.html + assets/<name>-<hash>.{js,css}),
// which CMake embeds into cloudchaind (docs/decisions.md, "Explorer assets").
// `node build.mjs --test` builds the verifier for the unit tests into test-build/.
import * as esbuild from 'esbuild';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';

const here = new URL('.', import.meta.url).pathname;
process.chdir(here);

if (process.argv.includes('--test')) {
  rmSync('test-build', { recursive: true, force: true });
  for (const name of ['verify', 'bytes']) {
    await esbuild.build({
      entryPoints: [`src/${name}.ts`], bundle: true, format: 'esm', platform: 'node', target: 'node20',
      outfile: `test-build/${name}.mjs`, logLevel: 'warning',
    });
  }
  process.exit(0);
}

rmSync('dist', { recursive: true, force: true });
const result = await esbuild.build({
  entryPoints: ['src/main.ts'],
  bundle: true,
  minify: true,
  format: 'esm',
  target: ['es2022', 'chrome100', 'firefox100', 'safari15'],
  outdir: 'dist/assets',
  entryNames: '[name]-[hash]',
  assetNames: '[name]-[hash]',
  metafile: true,
  logLevel: 'warning',
  legalComments: 'none',
});
const outputs = Object.keys(result.metafile.outputs).map((p) => basename(p));
const js = outputs.find((f) => f.endsWith('.js'));
const css = outputs.find((f) => f.endsWith('.css'));
if (!js || !css) throw new Error(`build: expected a .js and a .css, got ${outputs.join(', ')}`);

mkdirSync('dist', { recursive: true });
writeFileSync('dist/index.html', `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>cloudchain explorer</title>
<link rel="stylesheet" href="/assets/${css}">
<script type="module" src="/assets/${js}"></script>
</head>
<body>
<noscript>The cloudchain explorer needs JavaScript. The API is at <a href="/v1/status">/v1/status</a>.</noscript>
</body>
</html>
`);
console.log(`explorer: dist/index.html, dist/assets/${js}, dist/assets/${css}`);
