import route from '../generated/routes/delete-user.js';
import { HttpProblem } from '../route-chain/problem.ts';
import { noContent } from '../route-chain/respond.ts';
import { routeHandler } from '../route-chain/route-handler.ts';
import { userStore } from './store.ts';

const users = userStore();

/** DELETE /users/{userId} (`users:admin`). */
export const handler = routeHandler(route, async (event) => {
  const { userId } = event.pathParameters;
  if (!(await users.delete(userId))) throw new HttpProblem('not_found', `No user ${userId}`);
  return noContent();
});
