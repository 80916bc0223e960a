import { Tracer } from '@aws-lambda-powertools/tracer';
import { SERVICE_NAME } from '../../domain/config';

/**
 * One Tracer for every handler. Outside Lambda it is off, and `captureAWSv3Client` hands the client back
 * unchanged; in Lambda every AWS call of a captured client is a subsegment of the handler's `## handler`
 * subsegment, which carries the annotations the handler puts (`partnerId`, `workflow`).
 */
export const tracer = new Tracer({ serviceName: SERVICE_NAME });
