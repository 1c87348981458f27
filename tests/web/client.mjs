// The generated client compiles: openapi-typescript (a third-party
// generator) turns the document wno-host serves for config/default.json
// into TypeScript types, and tsc type-checks docs/examples/openapi-client.ts
// against them in strict mode.
//
// usage: node client.mjs --host BINARY --config FILE --out DIR
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const here = dirname(fileURLToPath(import.meta.url));
const { values: args } = parseArgs({ options: { host: { type: 'string' }, config: { type: 'string' }, out: { type: 'string' } } });
const out = resolve(args.out);
mkdirSync(out, { recursive: true });

// The same document GET /openapi.json serves (HostRuntime::openApiDocument).
const doc = execFileSync(args.host, ['--config', resolve(args.config), '--print-openapi'], {
  env: { ...process.env, WNO_CURSOR_SECRET: 'x'.repeat(32) },
});
writeFileSync(join(out, 'openapi.json'), doc);
const bin = (name) => join(here, 'node_modules', '.bin', name);
execFileSync(bin('openapi-typescript'), [join(out, 'openapi.json'), '-o', join(out, 'wno-api.d.ts')], { stdio: 'inherit' });

const snippet = resolve(here, '..', '..', 'docs', 'examples', 'openapi-client.ts');
writeFileSync(join(out, 'tsconfig.json'), JSON.stringify({
  compilerOptions: {
    strict: true, noEmit: true, target: 'ES2022', module: 'ES2022', moduleResolution: 'bundler',
    lib: ['ES2022', 'DOM'], skipLibCheck: false, types: [],
    baseUrl: out,
    paths: { 'wno-api': [join(out, 'wno-api.d.ts')], 'openapi-fetch': [join(here, 'node_modules', 'openapi-fetch')] },
  },
  files: [snippet],
}, null, 2));
try {
  execFileSync(bin('tsc'), ['-p', join(out, 'tsconfig.json')], { stdio: 'inherit' });
} catch {
  console.log('client: docs/examples/openapi-client.ts does not type-check against the generated client');
  process.exit(1);
}
console.log(`client: ${join(out, 'wno-api.d.ts')} generated; docs/examples/openapi-client.ts type-checks`);
