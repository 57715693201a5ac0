import type { IncomingMessage, ServerResponse } from 'node:http';
import { openApiFor, type LocalEndpoints } from '../tools/openapi.ts';
import type { RouteTable } from '../tools/route-table.ts';
import { referencePage } from '../tools/reference-page.ts';

/**
 * The API's document and reference page as the local stack serves them: GET /openapi.json (what
 * a client generator or Prism reads) and GET /reference (Redoc, self-contained). Both are built
 * from schemas/ when the stack starts, with the stack's own URLs in them.
 */
export interface ReferenceSite {
  readonly document: Record<string, unknown>;
  readonly page: string;
  /** Answers the request if it is for the document or the page; false otherwise. */
  handle(request: IncomingMessage, response: ServerResponse): boolean;
}

export const REFERENCE_PATHS = { document: '/openapi.json', page: '/reference' } as const;

export async function buildReferenceSite(
  root: string,
  endpoints: LocalEndpoints = {},
  table?: RouteTable,
): Promise<ReferenceSite> {
  const document = await openApiFor(root, endpoints, table);
  const page = await referencePage(document);
  const documentText = `${JSON.stringify(document, null, 2)}\n`;
  const files: Record<string, { type: string; body: string }> = {
    [REFERENCE_PATHS.document]: { type: 'application/json', body: documentText },
    [REFERENCE_PATHS.page]: { type: 'text/html; charset=utf-8', body: page },
  };
  return {
    document,
    page,
    handle(request, response) {
      const path = new URL(request.url ?? '/', 'http://localhost').pathname;
      const file = files[path];
      if (!file || (request.method !== 'GET' && request.method !== 'HEAD')) return false;
      response.writeHead(200, {
        'content-type': file.type,
        'content-length': Buffer.byteLength(file.body),
        'cache-control': 'no-cache',
      });
      response.end(request.method === 'HEAD' ? undefined : file.body);
      return true;
    },
  };
}
