import { SFNClient } from '@aws-sdk/client-sfn';
import { tracer } from './tracer';

let sfn: SFNClient | undefined;

/** The Step Functions client, created once per container on first use and traced by X-Ray. */
export function sfnClient(): SFNClient {
  sfn ??= tracer.captureAWSv3Client(new SFNClient({}));
  return sfn;
}
