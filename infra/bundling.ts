import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';

/**
 * How every function is bundled, one definition for CDK (`AppFunction`) and `npm run bench:bundles`.
 *
 * The AWS SDK is bundled, not taken from the Lambda runtime: the version that runs is the one in
 * package-lock.json that the tests ran against, and esbuild tree-shakes the SDK's ESM builds
 * (`mainFields: module, main`) down to the commands a function sends. The runtime's SDK would be smaller to
 * ship but moves with AWS's runtime updates, untested here. Source maps are shipped and applied
 * (`--enable-source-maps`), so a stack trace in the logs names the TypeScript line.
 */
export const LAMBDA_BUNDLING = {
  minify: true,
  sourceMap: true,
  sourcesContent: false,
  target: 'node24',
  format: nodejs.OutputFormat.CJS,
  mainFields: ['module', 'main'],
  bundleAwsSDK: true,
  externalModules: [],
  forceDockerBundling: false,
} satisfies nodejs.BundlingOptions;

/** Set on every function, so Node applies the shipped source maps. */
export const LAMBDA_NODE_OPTIONS = '--enable-source-maps';
