import type { APIGatewayProxyResult } from 'aws-lambda';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  startLocalDynamo,
  TABLE_VARIABLES,
  tableNames,
  type LocalDynamo,
  type TableName,
} from '../../local/dynamo.ts';
import { lambdaContext, proxyEvent, type EventOptions } from './events.ts';
import { expectDeclaredResponse } from './response-contract.ts';
import { projectRouteTable } from './route-table.ts';

/**
 * The service's real handlers (middy chain and DynamoDB client) on DynamoDB Local, the same
 * local DynamoDB `npm start` runs: the one fixture every suite that calls handlers directly uses.
 * Every route of the route table is there, by its schema file's name (`get-user`).
 */
export type RouteName = string;
const ROOT = join(import.meta.dirname, '..', '..');

type Handler = ((event: unknown, context: unknown) => Promise<APIGatewayProxyResult>) & {
  /** The route the handler enforces (routeHandler records it). */
  readonly route: { readonly method: string; readonly path: string };
};

export interface Reply extends APIGatewayProxyResult {
  /** The body parsed as JSON; undefined when empty. */
  readonly json: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- tests read any field
}

export interface Handlers {
  readonly dynamo: LocalDynamo;
  /** The tables' names in this suite's namespace. */
  readonly tables: Record<TableName, string>;
  /** Calls the route's handler with a proxy event built from `options`. */
  invoke(route: RouteName, options: EventOptions): Promise<Reply>;
  close(): Promise<void>;
}

/**
 * Gives the suite a DynamoDB Local namespace of its own with the service's tables under `prefix`,
 * points the handlers' configuration at it (read at import: each suite runs in its own module
 * registry), and imports every handler.
 */
export async function startHandlers(
  prefix: string,
  {
    endpointFor = (endpoint) => endpoint,
  }: {
    /** The endpoint the handlers call, given DynamoDB Local's (e.g. a faulty proxy in front). */
    endpointFor?: (endpoint: string) => string | Promise<string>;
  } = {},
): Promise<Handlers> {
  const dynamo = await startLocalDynamo(0, prefix);
  const tables = tableNames(prefix);
  for (const [table, variable] of Object.entries(TABLE_VARIABLES))
    process.env[variable] = tables[table as TableName];
  process.env.DYNAMODB_ENDPOINT = await endpointFor(dynamo.endpoint);
  process.env.AWS_REGION = dynamo.region;
  // The access key id selects the namespace on DynamoDB Local.
  process.env.AWS_ACCESS_KEY_ID = dynamo.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = dynamo.secretAccessKey;
  const handlers = new Map<RouteName, Handler>();
  for (const route of projectRouteTable().routes) {
    const dot = route.handler.lastIndexOf('.');
    const module = pathToFileURL(join(ROOT, `${route.handler.slice(0, dot)}.ts`)).href;
    const name = route.schemaFile!.replace(/^schemas\/|\.json$/g, '');
    handlers.set(name, (await import(module))[route.handler.slice(dot + 1)] as Handler);
  }
  return {
    dynamo,
    tables,
    async invoke(route, options) {
      const handler = handlers.get(route);
      if (!handler)
        throw new Error(
          `no route named ${route}: the routes are ${[...handlers.keys()].join(', ')}`,
        );
      const response = await handler(proxyEvent(options), lambdaContext());
      // Every answer a test sees must be one the route declares (schemas/, x-responses).
      expectDeclaredResponse(`${handler.route.method} ${handler.route.path}`, response);
      return { ...response, json: response.body ? JSON.parse(response.body) : undefined };
    },
    close: () => dynamo.close(),
  };
}
