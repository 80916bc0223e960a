import { SFNClient } from '@aws-sdk/client-sfn';
import { sfnClientSettings } from '../../domain/config';
import { tracer } from './tracer';

/** A Step Functions client, captured by the Tracer (one subsegment per call). */
export function createSfnClient(): SFNClient {
  return tracer.captureAWSv3Client(new SFNClient(sfnClientSettings(process.env)));
}
