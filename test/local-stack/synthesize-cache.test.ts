import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { buildSync } from 'esbuild';
import { loadLocalStackModel } from '../../local/stack/model';
import { SYNTH_INPUTS, synthInputHash, type SynthInputs } from '../../local/stack/synth-inputs';
import { clearSynthCache, synthesizeLocalTemplate } from '../../local/stack/synthesize';

const PROJECT_ROOT = path.join(__dirname, '..', '..');
const scratch: string[] = [];
const tempDir = (prefix: string): string => {
  const dir = fs.mkdtempSync(path.join(tmpdir(), prefix));
  scratch.push(dir);
  return dir;
};
afterAll(() => scratch.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

const write = (root: string, file: string, text: string): void => {
  fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
  fs.writeFileSync(path.join(root, file), text);
};

describe('the input hash', () => {
  const PATHS = ['cdk.json', 'infra'];
  let root: string;
  beforeEach(() => {
    root = tempDir('synth-inputs-');
    write(root, 'cdk.json', '{"context":{}}');
    write(root, 'infra/app.ts', 'export {};');
    write(root, 'infra/constructs/workflow.ts', 'export const a = 1;');
  });
  const hashOf = (context: Record<string, unknown> = {}) => synthInputHash({ root, paths: PATHS }, context);

  test('a copy in another directory, not a git checkout, hashes alike', () => {
    const copy = tempDir('synth-inputs-copy-');
    fs.cpSync(root, copy, { recursive: true });
    expect(synthInputHash({ root: copy, paths: PATHS }, {})).toBe(hashOf());
  });

  test.each([
    [
      'an edited file deep in an input directory',
      () => write(root, 'infra/constructs/workflow.ts', 'export const a = 2;'),
    ],
    ['a new file in an input directory', () => write(root, 'infra/constructs/queues.ts', 'export {};')],
    [
      'a renamed file',
      () => fs.renameSync(path.join(root, 'infra/app.ts'), path.join(root, 'infra/main.ts')),
    ],
    ['a deleted input file', () => fs.rmSync(path.join(root, 'cdk.json'))],
  ])('%s changes it', (_change, change) => {
    const before = hashOf();
    change();
    expect(hashOf()).not.toBe(before);
  });

  test('the context the app is synthesized with is part of it', () => {
    expect(hashOf({ appBusName: 'other-bus' })).not.toBe(hashOf());
  });
});

describe('the cached assembly', () => {
  let inputs: SynthInputs;
  let outdir: string;
  const synthesize = () => synthesizeLocalTemplate({ outdir, inputs });
  beforeAll(() => {
    inputs = { root: tempDir('synth-cache-inputs-'), paths: ['infra'] };
    write(inputs.root, 'infra/app.ts', 'export const version = 1;');
    outdir = tempDir('synth-cache-out-');
    synthesize();
  });
  /** Marks the template on disk: a synthesis rewrites it, a cache hit returns it as it is. */
  const markTemplate = (templateFile: string): void => {
    const file = path.join(outdir, templateFile);
    const template = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
    fs.writeFileSync(file, JSON.stringify({ ...template, Marker: 'from the cache' }));
  };
  const templateFile = (stackName: string) => `${stackName}.template.json`;

  test('a start with the same inputs reads the template back without synthesizing', () => {
    const first = synthesize();
    markTemplate(templateFile(first.stackName));

    const again = synthesize();

    expect(again.synthesized).toBe(false);
    expect(again.template.Marker).toBe('from the cache');
    expect(again.stackName).toBe(first.stackName);
    expect(again.assemblyDir).toBe(outdir);
    // The assembly holds what the model reads besides the template: the ASL assets.
    const model = loadLocalStackModel(again.template, again.assemblyDir);
    expect(model.workflows.length).toBeGreaterThan(5);
  });

  test('an edited input file synthesizes again, and the start after it is a hit', () => {
    markTemplate(templateFile(synthesize().stackName));
    write(inputs.root, 'infra/app.ts', 'export const version = 2;');

    const edited = synthesize();
    const next = synthesize();

    expect(edited.synthesized).toBe(true);
    expect(edited.template.Marker).toBeUndefined();
    expect(next.synthesized).toBe(false);
  });

  test('clearing the cache (a cold start) synthesizes again', () => {
    synthesize();
    clearSynthCache(outdir);
    expect(synthesize().synthesized).toBe(true);
  });
});

describe('SYNTH_INPUTS holds everything the synthesis reads from the repository', () => {
  const uncovered = (files: Iterable<string>): string[] =>
    [...files]
      .map((file) => path.relative(PROJECT_ROOT, path.resolve(PROJECT_ROOT, file)))
      .filter((file) => file !== '' && !file.startsWith('..') && !file.startsWith('node_modules'))
      .filter((file) => !SYNTH_INPUTS.some((input) => file === input || file.startsWith(`${input}/`)));

  test('every project module the CDK app imports', () => {
    const { metafile } = buildSync({
      entryPoints: [path.join(PROJECT_ROOT, 'infra', 'app.ts')],
      absWorkingDir: PROJECT_ROOT,
      bundle: true,
      platform: 'node',
      packages: 'external',
      metafile: true,
      write: false,
      logLevel: 'error',
    });
    expect(Object.keys(metafile.inputs).length).toBeGreaterThan(5);
    expect(uncovered(Object.keys(metafile.inputs))).toEqual([]);
  });

  test('every file it opens, copies or checks while synthesizing (ASL assets, Lambda entries, the lock file)', () => {
    // The module object CDK calls into (`fs.existsSync(…)`), not a namespace copy of it.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const realFs = require('fs') as Record<string, (...args: unknown[]) => unknown>;
    const outdir = tempDir('synth-reads-');
    const touched = new Set<string>();
    const spies = [
      'readFileSync',
      'openSync',
      'existsSync',
      'statSync',
      'lstatSync',
      'copyFileSync',
      'readdirSync',
    ].map((name) => {
      const original = realFs[name] as (...args: unknown[]) => unknown;
      return jest.spyOn(realFs, name).mockImplementation((...args: unknown[]) => {
        if (typeof args[0] === 'string') touched.add(args[0]);
        return original.apply(realFs, args);
      });
    });
    try {
      expect(synthesizeLocalTemplate({ outdir }).synthesized).toBe(true);
    } finally {
      spies.forEach((spy) => spy.mockRestore());
    }
    const relative = [...touched].map((file) =>
      path.relative(PROJECT_ROOT, path.resolve(PROJECT_ROOT, file)),
    );
    expect(relative).toEqual(expect.arrayContaining(['package-lock.json', 'lambdas/click-api.ts']));
    expect(relative.some((file) => file.startsWith('statemachines/'))).toBe(true);
    expect(uncovered(touched)).toEqual([]);
  });
});
