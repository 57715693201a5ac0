import route from '../generated/routes/update-user.js';
import { HttpProblem } from '../http/problem.ts';
import { json } from '../http/respond.ts';
import { routeHandler } from '../http/route-handler.ts';
import { assertMayGrantRole } from './grant-role.ts';
import { userStore, type UserChanges } from './store.ts';

const users = userStore();

/**
 * PATCH /users/{userId} (`users:write`; `role: admin` also needs `users:admin`): changes the given
 * fields (at least one).
 */
export const handler = routeHandler<UserChanges>(route, async (event, caller) => {
  assertMayGrantRole(event.body.role, caller);
  const userId = event.pathParameters!.userId!;
  const user = await users.update(userId, event.body);
  if (!user) throw new HttpProblem('not_found', `No user ${userId}`);
  return json(200, user);
});
