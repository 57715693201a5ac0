import route from '../generated/routes/get-me.js';
import { json } from '../route-chain/respond.ts';
import { routeHandler } from '../route-chain/route-handler.ts';

/** GET /me: who the token says the caller is. Any authenticated caller (`x-scopes: []`). */
export const handler = routeHandler(route, async (_event, caller) =>
  json(200, {
    sub: caller.sub,
    scopes: [...caller.scopes],
    clientId: caller.clientId || null,
    issuer: caller.iss,
    expiresAt: new Date(caller.exp * 1000).toISOString(),
  }),
);
