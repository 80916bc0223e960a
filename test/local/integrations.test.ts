import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { invokeOptimizedDynamoDb } from '../../local/integrations/dynamodb-optimized';
import { invokeSdkDynamoDb } from '../../local/integrations/dynamodb-sdk';
import { invokeLambdaService } from '../../local/integrations/lambda-invoke';
import { createIdTable, thrown, useDynamoDbLocal } from './support';

const TABLE = 'IntegrationItems';
const REQUEST_ID = '[A-Za-z0-9-]+';

describe('DynamoDB integrations against DynamoDB Local', () => {
  const db = useDynamoDbLocal();
  beforeAll(async () => {
    await createIdTable(db().client, TABLE);
    await db().client.send(new PutItemCommand({ TableName: TABLE, Item: { id: { S: 'taken' } } }));
  });

  const conditionalPut = {
    TableName: TABLE,
    Item: { id: { S: 'taken' } },
    ConditionExpression: 'attribute_not_exists(id)',
  };

  it('optimized getItem returns the item plus SdkHttpMetadata and SdkResponseMetadata', async () => {
    const result = await invokeOptimizedDynamoDb(db().client, 'getItem', {
      TableName: TABLE,
      Key: { id: { S: 'taken' } },
    });
    expect(result).toEqual({
      Item: { id: { S: 'taken' } },
      SdkHttpMetadata: {
        AllHttpHeaders: expect.objectContaining({
          'Content-Type': ['application/x-amz-json-1.0'],
        }) as unknown,
        HttpHeaders: expect.objectContaining({
          'Content-Length': String('{"Item":{"id":{"S":"taken"}}}'.length),
        }) as unknown,
        HttpStatusCode: 200,
      },
      SdkResponseMetadata: { RequestId: expect.any(String) as unknown },
    });
  });

  it('SDK putItem returns {} and query returns { Count, Items, ScannedCount }', async () => {
    expect(
      await invokeSdkDynamoDb(db().client, 'putItem', { TableName: TABLE, Item: { id: { S: 'q' } } }),
    ).toEqual({});
    const query = await invokeSdkDynamoDb(db().client, 'query', {
      TableName: TABLE,
      KeyConditionExpression: 'id = :id',
      ExpressionAttributeValues: { ':id': { S: 'q' } },
    });
    expect(query).toEqual({ Count: 1, Items: [{ id: { S: 'q' } }], ScannedCount: 1 });
  });

  it('ConditionalCheckFailed: DynamoDB.* with the v1 cause (optimized), DynamoDb.* with the v2 cause (SDK)', async () => {
    const optimized = await thrown(() => invokeOptimizedDynamoDb(db().client, 'putItem', conditionalPut));
    expect(optimized.name).toBe('DynamoDB.ConditionalCheckFailedException');
    expect(optimized.message).toMatch(
      new RegExp(
        `^The conditional request failed \\(Service: AmazonDynamoDBv2; Status Code: 400; Error Code: ConditionalCheckFailedException; Request ID: ${REQUEST_ID}; Proxy: null\\)$`,
      ),
    );
    const sdk = await thrown(() => invokeSdkDynamoDb(db().client, 'putItem', conditionalPut));
    expect(sdk.name).toBe('DynamoDb.ConditionalCheckFailedException');
    expect(sdk.message).toMatch(
      new RegExp(
        `^The conditional request failed \\(Service: DynamoDb, Status Code: 400, Request ID: ${REQUEST_ID}\\)$`,
      ),
    );
  });

  it('ResourceNotFound is worded as AWS words it', async () => {
    const params = { TableName: 'NoSuchTable', Item: { id: { S: 'x' } } };
    const optimized = await thrown(() => invokeOptimizedDynamoDb(db().client, 'putItem', params));
    expect(optimized.name).toBe('DynamoDB.ResourceNotFoundException');
    expect(optimized.message).toMatch(
      /^Requested resource not found \(Service: AmazonDynamoDBv2; Status Code: 400; Error Code: ResourceNotFoundException; Request ID: .+; Proxy: null\)$/,
    );
    const sdk = await thrown(() => invokeSdkDynamoDb(db().client, 'putItem', params));
    expect(sdk.name).toBe('DynamoDb.ResourceNotFoundException');
    expect(sdk.message).toMatch(
      /^Requested resource not found \(Service: DynamoDb, Status Code: 400, Request ID: .+\)$/,
    );
  });

  it('validation errors become DynamoDB.AmazonDynamoDBException / DynamoDb.DynamoDbException', async () => {
    const optimized = await thrown(() =>
      invokeOptimizedDynamoDb(db().client, 'putItem', { TableName: TABLE }),
    );
    expect(optimized.name).toBe('DynamoDB.AmazonDynamoDBException');
    expect(optimized.message).toMatch(
      /^1 validation error detected: Value null at 'item' failed to satisfy constraint: Member must not be null \(Service: AmazonDynamoDBv2; Status Code: 400; Error Code: ValidationException; Request ID: .+; Proxy: null\)$/,
    );
    const sdk = await thrown(() =>
      invokeSdkDynamoDb(db().client, 'updateItem', {
        TableName: TABLE,
        Key: { id: { S: 'x' } },
        UpdateExpression: 'SET #a = :v',
      }),
    );
    expect(sdk.name).toBe('DynamoDb.DynamoDbException');
    expect(sdk.message).toMatch(/\(Service: DynamoDb, Status Code: 400, Request ID: .+\)$/);
  });

  it('a cancelled transaction is DynamoDb.TransactionCanceledException with the reasons in the cause', async () => {
    const err = await thrown(() =>
      invokeSdkDynamoDb(db().client, 'transactWriteItems', {
        TransactItems: [
          { Put: conditionalPut },
          {
            Update: {
              TableName: TABLE,
              Key: { id: { S: 'other' } },
              UpdateExpression: 'SET n = :n',
              ExpressionAttributeValues: { ':n': { N: '1' } },
            },
          },
        ],
      }),
    );
    expect(err.name).toBe('DynamoDb.TransactionCanceledException');
    expect(err.message).toMatch(
      /^Transaction cancelled, please refer cancellation reasons for specific reasons \[ConditionalCheckFailed, None\] \(Service: DynamoDb, Status Code: 400, Request ID: .+\)$/,
    );
  });
});

describe('lambda:invoke', () => {
  const lambdas = {
    echo: (event: unknown) => Promise.resolve({ got: event }),
    boom: () => {
      class PartnerNotFound extends Error {
        override name = 'PartnerNotFound';
      }
      throw new PartnerNotFound('no such partner');
    },
  };

  it('returns { ExecutedVersion, Payload, SdkHttpMetadata, SdkResponseMetadata, StatusCode }', async () => {
    const result = await invokeLambdaService(lambdas, {
      FunctionName: 'arn:aws:lambda:us-east-1:000000000000:function:echo',
      Payload: { a: 1 },
    });
    expect(result).toEqual({
      ExecutedVersion: '$LATEST',
      Payload: { got: { a: 1 } },
      SdkHttpMetadata: expect.objectContaining({ HttpStatusCode: 200 }) as unknown,
      SdkResponseMetadata: { RequestId: expect.any(String) as unknown },
      StatusCode: 200,
    });
  });

  it("surfaces a thrown error under the function's error type with Node's JSON error document as cause", async () => {
    const err = await thrown(() => invokeLambdaService(lambdas, { FunctionName: 'boom', Payload: {} }));
    expect(err.name).toBe('PartnerNotFound');
    const doc = JSON.parse(err.message) as { errorType: string; errorMessage: string; trace: string[] };
    expect(Object.keys(doc)).toEqual(['errorType', 'errorMessage', 'trace']);
    expect(doc.errorType).toBe('PartnerNotFound');
    expect(doc.errorMessage).toBe('no such partner');
    expect(doc.trace[0]).toBe('PartnerNotFound: no such partner');
  });

  it('an unknown function is Lambda.ResourceNotFoundException', async () => {
    const err = await thrown(() => invokeLambdaService(lambdas, { FunctionName: 'nope' }));
    expect(err.name).toBe('Lambda.ResourceNotFoundException');
    expect(err.message).toMatch(
      /^Function not found: arn:aws:lambda:us-east-1:000000000000:function:nope:\$LATEST \(Service: AWSLambda; Status Code: 404; Error Code: ResourceNotFoundException; Request ID: .+; Proxy: null\)$/,
    );
  });
});
