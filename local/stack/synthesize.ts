import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { SYNTH_INPUTS, synthInputHash, type SynthInputs } from './synth-inputs';
import type { CfnTemplate } from './template';

/** Repository root, resolved from this module (never from the working directory). */
const PROJECT_ROOT = path.join(__dirname, '..', '..');

/** Where `npm start` writes its cloud assembly (`.local/` is git-ignored). */
export const DEFAULT_LOCAL_ASSEMBLY_DIR = path.join(PROJECT_ROOT, '.local', 'cdk.out');

/** Context the local stack always synthesizes with. */
export const LOCAL_SYNTH_CONTEXT: Readonly<Record<string, unknown>> = {
  // Handlers run in-process from their TypeScript sources: esbuild bundling is skipped.
  'aws:cdk:bundling-stacks': [],
  // The spec names (PartnerReferrals, …) that the demo, the docs and the AWS CLI examples use.
  fixedTableNames: true,
  // Workflow, function, queue and rule names come from the construct path.
  'aws:cdk:enable-path-metadata': true,
};

export interface SynthesizeOptions {
  outdir?: string;
  /** More context (like `cdk synth -c key=value`); the local keys above win. */
  context?: Record<string, unknown>;
  /** What a cached assembly is keyed by (default: `SYNTH_INPUTS` in the repository). */
  inputs?: SynthInputs;
}

export interface LocalTemplate {
  template: CfnTemplate;
  /** The cloud assembly directory (the ASL assets are read from here). */
  assemblyDir: string;
  stackName: string;
  /** False when the assembly of an earlier synthesis with the same inputs and context was reused. */
  synthesized: boolean;
  /** How long synthesis, or reading the cached template, took. */
  durationMs: number;
}

/** Written into the assembly once a synthesis completes: the hash of its inputs, and the stack's template. */
const CACHE_RECORD = 'input-hash.json';

interface CacheRecord {
  inputHash: string;
  stackName: string;
  templateFile: string;
}

/**
 * Synthesizes the real CDK app in-process, as `cdk synth` would (cdk.json context, cdk-nag validation
 * plugins), and returns the stack's template from the cloud assembly. When the assembly directory holds
 * a synthesis of the same inputs and context, its template is returned without synthesizing.
 */
export function synthesizeLocalTemplate(options: SynthesizeOptions = {}): LocalTemplate {
  const started = performance.now();
  const outdir = options.outdir ?? DEFAULT_LOCAL_ASSEMBLY_DIR;
  const context = { ...cdkJsonContext(), ...options.context, ...LOCAL_SYNTH_CONTEXT };
  const inputHash = synthInputHash(options.inputs ?? { root: PROJECT_ROOT, paths: SYNTH_INPUTS }, context);
  const cached = readCached(outdir, inputHash);
  const result = cached
    ? { ...cached, synthesized: false }
    : { ...synthesize(outdir, context, inputHash), synthesized: true };
  return { ...result, durationMs: Math.round(performance.now() - started) };
}

/** Makes the next `synthesizeLocalTemplate` into `outdir` synthesize (a cold start). */
export function clearSynthCache(outdir: string = DEFAULT_LOCAL_ASSEMBLY_DIR): void {
  rmSync(path.join(outdir, CACHE_RECORD), { force: true });
}

function synthesize(
  outdir: string,
  context: Record<string, unknown>,
  inputHash: string,
): Omit<LocalTemplate, 'synthesized' | 'durationMs'> {
  // Until this synthesis completes, the directory holds no assembly a later start may reuse.
  clearSynthCache(outdir);
  // Loading aws-cdk-lib and cdk-nag takes about 0.6 s, which a start from the cache does without.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { createApp } = require('../../infra/app') as typeof import('../../infra/app');
  const { app, stack } = createApp({
    outdir,
    context,
    // CloudFormation schema validation takes most of the synth time (~2.7 s) and says nothing about
    // running locally; `cdk synth` and test/infra still run it. No version reporting resource either.
    builtinCloudFormationValidation: false,
    analyticsReporting: false,
  });
  const assembly = app.synth();
  const artifact = assembly.getStackArtifact(stack.artifactId);
  const template = JSON.parse(
    readFileSync(path.join(assembly.directory, artifact.templateFile), 'utf8'),
  ) as CfnTemplate;
  const record: CacheRecord = { inputHash, stackName: stack.stackName, templateFile: artifact.templateFile };
  // Written whole or not at all: a start interrupted here leaves no record, so the next one synthesizes.
  const recordFile = path.join(assembly.directory, CACHE_RECORD);
  writeFileSync(`${recordFile}.tmp`, JSON.stringify(record));
  renameSync(`${recordFile}.tmp`, recordFile);
  return { template, assemblyDir: assembly.directory, stackName: stack.stackName };
}

/** The template of the assembly in `outdir` when it was synthesized from inputs with this hash. */
function readCached(
  outdir: string,
  inputHash: string,
): Omit<LocalTemplate, 'synthesized' | 'durationMs'> | undefined {
  try {
    const record = JSON.parse(readFileSync(path.join(outdir, CACHE_RECORD), 'utf8')) as CacheRecord;
    if (record.inputHash !== inputHash) return undefined;
    const template = JSON.parse(readFileSync(path.join(outdir, record.templateFile), 'utf8')) as CfnTemplate;
    return { template, assemblyDir: outdir, stackName: record.stackName };
  } catch {
    // No record, or an assembly someone deleted part of: synthesize again.
    return undefined;
  }
}

/** The `context` of cdk.json, which the CDK CLI passes to the app. */
function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'cdk.json'), 'utf8')) as {
    context?: Record<string, unknown>;
  };
  return cdkJson.context ?? {};
}
