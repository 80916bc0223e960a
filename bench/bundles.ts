/**
 * `npm run bench:bundles`: every Lambda bundled as CDK bundles it (esbuild, minified, every dependency
 * bundled, Node 24, CJS), its size, and its module init time (requiring the bundle in a fresh Node
 * process, the cold-start work that happens before the handler runs). Target: ≤ 150 KB each.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { buildSync } from 'esbuild';
import { FUNCTION_NAMES } from '../infra/workflow-manifest';
import { percentile, report } from './support/report';

const TARGET_BYTES = 150 * 1024;
const INIT_RUNS = 7;

export function benchBundles(): { name: string; bytes: number; gzipBytes: number; initMs: number }[] {
  const outdir = mkdtempSync(path.join(os.tmpdir(), 'bundles-'));
  const rows = FUNCTION_NAMES.map((name) => {
    const outfile = path.join(outdir, `${name}.js`);
    buildSync({
      entryPoints: [path.join(__dirname, '..', 'lambdas', `${name}.ts`)],
      bundle: true,
      minify: true,
      platform: 'node',
      target: 'node24',
      format: 'cjs',
      outfile,
      logLevel: 'error',
    });
    const bytes = statSync(outfile).size;
    const gzipBytes = gzipSync(readFileSync(outfile)).length;
    const init = Array.from({ length: INIT_RUNS }, () => {
      const out = execFileSync(
        process.execPath,
        [
          '-e',
          // A bundle that loads but lost its handler export would be a broken deployment, not a fast one.
          `const t=process.hrtime.bigint();const m=require(${JSON.stringify(outfile)});const ms=Number(process.hrtime.bigint()-t)/1e6;` +
            `if(typeof m.handler!=='function')throw new Error('no handler export');console.log(ms)`,
        ],
        { env: { ...process.env, POWERTOOLS_METRICS_DISABLED: 'true', AWS_REGION: 'us-east-1' } },
      );
      return Number(out.toString().trim());
    });
    return { name, bytes, gzipBytes, initMs: percentile(init, 50) };
  });
  report(
    'bundles',
    `Lambda bundles (esbuild minified, dependencies bundled; target ≤ ${TARGET_BYTES / 1024} KB; init = median of ${INIT_RUNS} cold requires)`,
    ['function', 'KB', 'gzip KB', 'init ms', 'target'],
    rows.map((r) => [
      r.name,
      (r.bytes / 1024).toFixed(1),
      (r.gzipBytes / 1024).toFixed(1),
      r.initMs.toFixed(1),
      r.bytes <= TARGET_BYTES ? 'met' : 'over',
    ]),
    rows,
  );
  return rows;
}

if (require.main === module) benchBundles();
