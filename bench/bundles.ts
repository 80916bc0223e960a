/**
 * `npm run bench:bundles`: every Lambda bundled as CDK bundles it (`infra/bundling.ts`), its size, and its
 * cold init: the time to `require` the bundle in a fresh Node process, which is the work Lambda does before
 * the first invocation. Beside each function stands its floor: a handler that imports and constructs the
 * same SDK clients and the Tracer (capturing the handler) and nothing else, bundled and measured the
 * same way in the same run. Target: init ≤ 1.25 × floor, i.e. our own code adds little to what the
 * packages the design names cost at minimum.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { buildSync, type BuildOptions } from 'esbuild';
import { LAMBDA_BUNDLING } from '../infra/bundling';
import { FUNCTION_NAMES } from '../infra/workflow-manifest';
import { percentile, report } from './support/report';
import { defineCommand, readCommandLine } from '../local/command-line';

const TARGET_RATIO = 1.25;
const INIT_RUNS = 21;
const PROJECT_ROOT = path.join(__dirname, '..');

/** The esbuild options CDK derives from `LAMBDA_BUNDLING` (NodejsFunction passes these flags to esbuild). */
const ESBUILD_OPTIONS: BuildOptions = {
  bundle: true,
  platform: 'node',
  minify: LAMBDA_BUNDLING.minify,
  sourcemap: LAMBDA_BUNDLING.sourceMap,
  target: LAMBDA_BUNDLING.target,
  format: 'cjs',
  mainFields: [...LAMBDA_BUNDLING.mainFields],
  metafile: true,
  logLevel: 'error',
  // The project's (legacy decorators), also for the floors written outside the source folders.
  tsconfig: path.join(PROJECT_ROOT, 'tsconfig.json'),
};

/** The SDK clients a function can construct, how the floor constructs each, and how to spot it in a bundle. */
const CLIENTS = {
  sfn: {
    marker: '@aws-sdk/client-sfn/',
    imports: "import { SFNClient } from '@aws-sdk/client-sfn';",
    construct: 'tracer.captureAWSv3Client(new SFNClient({}))',
  },
  dynamodb: {
    marker: '@aws-sdk/lib-dynamodb/',
    imports:
      "import { DynamoDBClient } from '@aws-sdk/client-dynamodb';\nimport { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';",
    construct: 'DynamoDBDocumentClient.from(tracer.captureAWSv3Client(new DynamoDBClient({})))',
  },
} as const;
type ClientName = keyof typeof CLIENTS;

/** A floor handler: the Tracer capturing the handler and the clients, constructed at module scope. */
function floorSource(clients: readonly ClientName[]): string {
  return [
    "import { Tracer } from '@aws-lambda-powertools/tracer';",
    ...clients.map((c) => CLIENTS[c].imports),
    "const tracer = new Tracer({ serviceName: 'floor' });",
    `const clients = [${clients.map((c) => CLIENTS[c].construct).join(', ')}];`,
    'class Floor {',
    '  @tracer.captureLambdaHandler()',
    '  async handler(): Promise<number> { return clients.length; }',
    '}',
    'const floor = new Floor();',
    'export const handler = (): Promise<number> => floor.handler();',
  ].join('\n');
}

/** Bundles `entry` to `outfile`; returns the npm packages in the bundle. */
function bundle(entry: string, outfile: string): string[] {
  const result = buildSync({ ...ESBUILD_OPTIONS, entryPoints: [entry], outfile });
  return Object.keys(result.metafile?.inputs ?? {});
}

/** As in Lambda: the Tracer is on (it is off outside Lambda). */
const LAMBDA_ENV = {
  ...process.env,
  AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
  AWS_LAMBDA_FUNCTION_NAME: 'bench',
  AWS_REGION: 'us-east-1',
  POWERTOOLS_METRICS_DISABLED: 'true',
};

/** Milliseconds to `require` each bundle in a fresh process, alternating them so load drifts hit both alike. */
function coldInits(files: readonly string[]): number[][] {
  const env = LAMBDA_ENV;
  const times = files.map(() => [] as number[]);
  for (let run = 0; run < INIT_RUNS; run++) {
    for (const [i, file] of files.entries()) {
      const out = execFileSync(
        process.execPath,
        [
          '-e',
          // A bundle that loads but lost its handler export would be a broken deployment, not a fast one.
          `const t=process.hrtime.bigint();const m=require(${JSON.stringify(file)});const ms=Number(process.hrtime.bigint()-t)/1e6;` +
            `if(typeof m.handler!=='function')throw new Error('no handler export');console.log(ms)`,
        ],
        { env },
      );
      times[i]?.push(Number(out.toString().trim()));
    }
  }
  return times;
}

const hasValgrind = (() => {
  try {
    execFileSync('valgrind', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/**
 * Millions of instructions to start Node and `require` the file, counted by callgrind: unlike time, the
 * count does not move with whatever else the machine runs. `--jitless --single-threaded` keep it
 * repeatable to a fraction of a percent (background compilation threads would not be).
 */
function instructions(file: string): number {
  // callgrind prints its summary on stderr.
  const run = spawnSync(
    'valgrind',
    [
      '--tool=callgrind',
      '--callgrind-out-file=/dev/null',
      '--smc-check=all-non-file',
      process.execPath,
      '--jitless',
      '--single-threaded',
      '-e',
      `require(${JSON.stringify(file)})`,
    ],
    { env: LAMBDA_ENV, encoding: 'utf8' },
  );
  const collected = /Collected : (\d+)/.exec(run.stderr)?.[1];
  if (run.status !== 0 || !collected)
    throw new Error(`callgrind failed on ${file}: ${run.stderr.slice(-500)}`);
  return Number(collected) / 1e6;
}

export interface BundleRow {
  name: string;
  bytes: number;
  gzipBytes: number;
  initMs: number;
  floorInitMs: number;
  /** Init in millions of instructions (callgrind, Node's own start-up subtracted); absent without valgrind. */
  initMinstr?: number;
  floorMinstr?: number;
  clients: ClientName[];
}

export function benchBundles(): BundleRow[] {
  const outdir = mkdtempSync(path.join(os.tmpdir(), 'bundles-'));
  // The floor's source must resolve packages from the project, so it is written inside it.
  const floorDir = path.join(PROJECT_ROOT, 'node_modules', '.cache', 'bench-floors');
  mkdirSync(floorDir, { recursive: true });
  const emptyFile = path.join(outdir, 'empty.js');
  writeFileSync(emptyFile, 'exports.handler = async () => undefined;\n');
  const nodeStartup = hasValgrind ? instructions(emptyFile) : 0;
  const initInstructions = (file: string) =>
    hasValgrind ? { minstr: instructions(file) - nodeStartup } : undefined;
  const rows = FUNCTION_NAMES.map((name): BundleRow => {
    const outfile = path.join(outdir, `${name}.js`);
    const inputs = bundle(path.join(PROJECT_ROOT, 'lambdas', `${name}.ts`), outfile);
    const clients = (Object.keys(CLIENTS) as ClientName[]).filter((c) =>
      inputs.some((input) => input.includes(CLIENTS[c].marker)),
    );
    const floorEntry = path.join(floorDir, `${name}.ts`);
    writeFileSync(floorEntry, floorSource(clients));
    const floorFile = path.join(outdir, `${name}.floor.js`);
    bundle(floorEntry, floorFile);
    const [own = [], floor = []] = coldInits([outfile, floorFile]);
    const ownCount = initInstructions(outfile);
    const floorCount = initInstructions(floorFile);
    return {
      name,
      bytes: statSync(outfile).size,
      gzipBytes: gzipSync(readFileSync(outfile)).length,
      initMs: percentile(own, 50),
      floorInitMs: percentile(floor, 50),
      ...(ownCount && floorCount ? { initMinstr: ownCount.minstr, floorMinstr: floorCount.minstr } : {}),
      clients,
    };
  });
  report(
    'bundles',
    `Lambda bundles (infra/bundling.ts: esbuild, SDK bundled from its ESM builds, not minified, no source maps; ` +
      `init = median of ${INIT_RUNS} cold requires, alternating with the floor; target init ≤ ${TARGET_RATIO} × floor; ` +
      `Minstr = millions of instructions of the require under callgrind, jitless)`,
    [
      'function',
      'KB',
      'gzip KB',
      'clients',
      'init ms',
      'floor ms',
      'ms ratio',
      'target (ms)',
      'init Minstr',
      'floor Minstr',
      'Minstr ratio',
    ],
    rows.map((r) => [
      r.name,
      (r.bytes / 1024).toFixed(1),
      (r.gzipBytes / 1024).toFixed(1),
      r.clients.join(', ') || '(none)',
      r.initMs.toFixed(1),
      r.floorInitMs.toFixed(1),
      (r.initMs / r.floorInitMs).toFixed(2),
      r.initMs <= TARGET_RATIO * r.floorInitMs ? 'met' : 'over',
      r.initMinstr?.toFixed(0) ?? '-',
      r.floorMinstr?.toFixed(0) ?? '-',
      r.initMinstr && r.floorMinstr ? (r.initMinstr / r.floorMinstr).toFixed(2) : '-',
    ]),
    rows,
  );
  return rows;
}

const BUNDLES_COMMAND = defineCommand({
  name: 'npm run bench:bundles',
  summary: [
    'Every Lambda bundled as CDK bundles it: its size and its cold init (the time to require the bundle in a fresh',
    'Node process), beside a floor that only imports and constructs the same SDK clients and the Tracer.',
    'Target: init at most 1.25 x the floor.',
  ],
  flags: {},
  notes: ['Writes bench/results/bundles.json (the rows and the machine).'],
});

if (require.main === module) {
  readCommandLine(BUNDLES_COMMAND);
  benchBundles();
}
