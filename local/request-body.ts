import type * as http from 'node:http';
import { MAX_MESSAGE_BYTES } from './aws/sqs-api';

/** Room for what a request carries around its payload (other members, the JSON or form syntax). */
const ENVELOPE_BYTES = 64 * 1024;

/**
 * A body that carries a payload as an encoded string (a JSON string with its escapes, or the query
 * protocol's form encoding, which turns a byte into up to three) can be three times the payload.
 */
const encoded = (payloadBytes: number): number => 3 * payloadBytes + ENVELOPE_BYTES;

/**
 * The largest request body each local server reads, from AWS's documented limits. A service that
 * documents a request size gets that; one that documents a payload size (decoded, checked exactly once
 * the request is parsed) gets room for the payload encoded.
 */
export const REQUEST_BODY_LIMITS = {
  /**
   * "Maximum request size: 1 MB per request", all of the request's data.
   * https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html
   */
  stepFunctions: 1024 * 1024,
  /**
   * PutEvents: the entries total less than 1 MB (256 KB until 2026; the SDK's model says 1 MB), Detail
   * sent as a JSON string. https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEvents.html
   */
  eventBridge: encoded(1024 * 1024),
  /**
   * BatchWriteItem "can transmit up to 16MB of data over the network", the largest request DynamoDB takes
   * (its sizes are binary). https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchWriteItem.html
   */
  dynamoDb: 16 * 1024 * 1024,
  /**
   * SendMessage: 1 MiB of body and attributes (since August 2025; 256 KiB before), in JSON or form-encoded.
   * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessage.html
   */
  sqs: encoded(MAX_MESSAGE_BYTES),
  /**
   * HTTP API "Payload size: 10 MB".
   * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-quotas.html
   */
  httpApi: 10 * 1024 * 1024,
  /** A request no service here takes (answered UnknownOperationException): Step Functions' limit. */
  unrouted: 1024 * 1024,
} as const;

/** The body size a request declares (Content-Length); undefined for a chunked one. */
function declaredLength(req: http.IncomingMessage): number | undefined {
  const header = req.headers['content-length'];
  return header !== undefined && /^\d+$/.test(header) ? Number(header) : undefined;
}

/**
 * A refused body up to this much over its limit is read to its end and dropped, the connection then
 * serving the next request; past that the connection is cut, as it is after this long without data.
 * Draining lets a client still sending read the answer: closing with unread data would reset the
 * connection, and a reset can destroy the answer on the client's side.
 */
const DRAIN_BYTES = 1024 * 1024;
const DRAIN_IDLE_MS = 2_000;

/** Drops the rest of a refused body (`read` bytes of it came already), cutting the connection past the allowance. */
function drain(req: http.IncomingMessage, read: number, limit: number): void {
  let size = read;
  const cut = () => req.socket.destroy();
  const idle = setTimeout(cut, DRAIN_IDLE_MS).unref();
  req.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size > limit + DRAIN_BYTES) cut();
    else idle.refresh();
  });
  req.on('end', () => clearTimeout(idle));
  req.on('close', () => clearTimeout(idle));
  req.resume();
}

/**
 * The request body, or undefined when it is over `limit`: declared so in Content-Length (nothing is
 * read), or found so while it streams (what came is dropped). The rest is then drained, never buffered.
 */
export function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer | undefined> {
  if ((declaredLength(req) ?? 0) > limit) {
    drain(req, 0, limit);
    return Promise.resolve(undefined);
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) {
        chunks.push(chunk);
        return;
      }
      req.off('data', onData);
      chunks.length = 0;
      drain(req, size, limit);
      resolve(undefined);
    };
    req.on('data', onData);
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/**
 * Answers `Expect: 100-continue` only for a body within its limit: over it, the client is refused
 * (by the request handler, through `readBody`) before it sends the body at all.
 */
export function continueWithin(server: http.Server, limitOf: (req: http.IncomingMessage) => number): void {
  server.on('checkContinue', (req: http.IncomingMessage, res: http.ServerResponse) => {
    if ((declaredLength(req) ?? 0) <= limitOf(req)) res.writeContinue();
    server.emit('request', req, res);
  });
}
