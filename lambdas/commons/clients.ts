/**
 * The SDK clients, each created once per container on first use and traced by X-Ray. They live in one
 * file per service so that a handler's bundle only contains the clients it imports (the SDK packages are
 * not side-effect free, so esbuild cannot drop an unused import): handlers import `./sfn-client` or
 * `./dynamodb-client`; this module gathers both for callers that want either (the offline runtime).
 */
export { dynamoDocumentClient } from './dynamodb-client';
export { sfnClient } from './sfn-client';
