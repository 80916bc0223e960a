import { Tracer } from '@aws-lambda-powertools/tracer';
import { SERVICE_NAME } from '../../domain/config';

/** One Tracer for the functions that call AWS (it captures their SDK clients). */
export const tracer = new Tracer({ serviceName: SERVICE_NAME });
