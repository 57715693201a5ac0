import route from '../generated/routes/list-users.js';
import { json } from '../route-chain/respond.ts';
import { routeHandler } from '../route-chain/route-handler.ts';
import { userStore } from './store.ts';

const users = userStore();

const DEFAULT_LIMIT = 20;

/** GET /users?limit=&cursor= (`users:read`). The schema has already checked both parameters. */
export const handler = routeHandler(route, async (event) => {
  const query = event.queryStringParameters ?? {};
  const page = await users.list(query.limit ? Number(query.limit) : DEFAULT_LIMIT, query.cursor);
  return json(200, page);
});
