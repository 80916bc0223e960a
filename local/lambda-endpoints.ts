import { LOCAL_CREDENTIALS, LOCAL_REGION } from './aws-names';

/**
 * The in-process Lambdas find the local services as deployed code finds AWS: through the SDK's endpoint
 * variables (SDK v3 clients read them), with the local region and credentials.
 */
export function pointLambdasAt(endpoints: { dynamoDb: string; stepFunctions?: string }): void {
  process.env.AWS_ENDPOINT_URL_DYNAMODB = endpoints.dynamoDb;
  if (endpoints.stepFunctions) process.env.AWS_ENDPOINT_URL_SFN = endpoints.stepFunctions;
  process.env.AWS_REGION ??= LOCAL_REGION;
  process.env.AWS_ACCESS_KEY_ID ??= LOCAL_CREDENTIALS.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY ??= LOCAL_CREDENTIALS.secretAccessKey;
}
