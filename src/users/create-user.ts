import route from '../generated/routes/create-user.js';
import { json } from '../route-chain/respond.ts';
import { routeHandler } from '../route-chain/route-handler.ts';
import { assertMayGrantRole } from './grant-role.ts';
import { userStore } from './store.ts';

const users = userStore();

/**
 * POST /users (`users:write`; `role: admin` also needs `users:admin`). The schema refuses unknown
 * properties and checks formats.
 */
export const handler = routeHandler(route, async (event, caller) => {
  assertMayGrantRole(event.body.role, caller);
  const user = await users.create(event.body, caller.sub);
  return json(201, user, { Location: `/users/${user.userId}` });
});
