import { Logger } from '@aws-lambda-powertools/logger';
import { SERVICE_NAME } from '../../domain/config';

/**
 * One Logger for every handler. Level and sampling are Powertools' own environment variables
 * (`POWERTOOLS_LOG_LEVEL` …). Tracer and Metrics live in their own modules so that a function which only
 * logs (the compute functions) does not bundle the X-Ray SDK.
 */
export const logger = new Logger({ serviceName: SERVICE_NAME });
