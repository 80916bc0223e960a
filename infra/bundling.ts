import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';

/**
 * How every function is bundled, one definition for CDK (`AppFunction`) and `npm run bench:bundles`.
 *
 * The AWS SDK is bundled, not taken from the Lambda runtime: the version that runs is the one in
 * package-lock.json that the tests ran against, and esbuild tree-shakes the SDK's ESM builds
 * (`mainFields: module, main`) down to the commands a function sends. The runtime's SDK would be smaller to
 * ship but moves with AWS's runtime updates, untested here.
 *
 * No source maps are shipped, and the code is not minified. Applying a map (`--enable-source-maps`) makes
 * Node parse it when the bundle loads: counted with callgrind, that added about 60% to the dashboard's
 * cold init (a 0.8 MB map). Unminified, a stack trace names our functions and points at readable code
 * (esbuild heads each module with its source path), for about 10% more init than minified code.
 */
export const LAMBDA_BUNDLING = {
  minify: false,
  sourceMap: false,
  target: 'node24',
  format: nodejs.OutputFormat.CJS,
  mainFields: ['module', 'main'],
  bundleAwsSDK: true,
  externalModules: [],
  forceDockerBundling: false,
} satisfies nodejs.BundlingOptions;
