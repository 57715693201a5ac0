import route from '../generated/routes/get-user.js';
import { HttpProblem } from '../route-chain/problem.ts';
import { json } from '../route-chain/respond.ts';
import { routeHandler } from '../route-chain/route-handler.ts';
import { userStore } from './store.ts';

const users = userStore();

/** GET /users/{userId} (`users:read`). */
export const handler = routeHandler(route, async (event) => {
  const { userId } = event.pathParameters;
  const user = await users.get(userId);
  if (!user) throw new HttpProblem('not_found', `No user ${userId}`);
  return json(200, user);
});
