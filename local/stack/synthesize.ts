import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { createApp } from '../../infra/app';
import { PROJECT_ROOT } from '../../infra/constructs/function';
import type { CfnTemplate } from './template';

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
}

export interface LocalTemplate {
  template: CfnTemplate;
  /** The cloud assembly directory (the ASL assets are read from here). */
  assemblyDir: string;
  stackName: string;
  /** How long synthesis took, for the start banner. */
  durationMs: number;
}

/**
 * Synthesizes the real CDK app in-process, as `cdk synth` would (cdk.json context, cdk-nag validation
 * plugins), and returns the stack's template from the cloud assembly.
 */
export function synthesizeLocalTemplate(options: SynthesizeOptions = {}): LocalTemplate {
  const started = performance.now();
  const outdir = options.outdir ?? DEFAULT_LOCAL_ASSEMBLY_DIR;
  const { app, stack } = createApp({
    outdir,
    context: { ...cdkJsonContext(), ...options.context, ...LOCAL_SYNTH_CONTEXT },
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
  return {
    template,
    assemblyDir: assembly.directory,
    stackName: stack.stackName,
    durationMs: Math.round(performance.now() - started),
  };
}

/** The `context` of cdk.json, which the CDK CLI passes to the app. */
function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'cdk.json'), 'utf8')) as {
    context?: Record<string, unknown>;
  };
  return cdkJson.context ?? {};
}
