import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';

/**
 * Everything the local synthesis reads, relative to the repository root: the CDK app and the domain
 * modules it imports (test/local-stack/synthesize-cache.test.ts checks the import graph stays inside),
 * the ASL files it stages as assets, the Lambda entries NodejsFunction checks, the lock file it takes as
 * the functions' dependency root and that pins aws-cdk-lib and cdk-nag, the patches applied to
 * node_modules, the compiler options tsx runs it with, cdk.json's context, and the module that decides
 * how the app is synthesized.
 */
export const SYNTH_INPUTS: readonly string[] = [
  'infra',
  'domain',
  'lambdas',
  'statemachines',
  'package-lock.json',
  'patches',
  'tsconfig.json',
  'cdk.json',
  'local/stack/synthesize.ts',
  // The portal's hosting: its build script and the built assets the BucketDeployment copies.
  'web/build.ts',
  'dist/web/portal',
];

export interface SynthInputs {
  /** The directory the paths are relative to. */
  root: string;
  /** Files and directories (read recursively); a missing one counts as missing, not as an error. */
  paths: readonly string[];
}

/**
 * A SHA-256 over every input file's path and content, read from the file system (a copy that is not a
 * git checkout hashes alike), and over the context the app is synthesized with.
 */
export function synthInputHash(inputs: SynthInputs, context: Readonly<Record<string, unknown>>): string {
  const hash = createHash('sha256');
  // Length-prefixed fields, so no two different inputs concatenate to the same bytes.
  const field = (data: string | Buffer) => hash.update(`${Buffer.byteLength(data)}:`).update(data);
  field(JSON.stringify(context));
  for (const input of inputs.paths) {
    const files = filesUnder(inputs.root, input);
    if (files.length === 0) field(`missing ${input}`);
    for (const file of files) {
      field(file);
      field(readFileSync(path.join(inputs.root, file)));
    }
  }
  return hash.digest('hex');
}

/** The files at `relative` (itself, or every file below it), relative to `root`, sorted. */
function filesUnder(root: string, relative: string): string[] {
  const absolute = path.join(root, relative);
  const stat = statSync(absolute, { throwIfNoEntry: false });
  if (!stat) return [];
  if (!stat.isDirectory()) return [relative];
  return readdirSync(absolute, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(root, path.join(entry.parentPath, entry.name)))
    .sort();
}
