import route from '../generated/routes/get-user.js';
import { etagOf } from '../resource/versioning.ts';
import { HttpProblem } from '../shared/problems.ts';
import { json } from '../route-chain/respond.ts';
import { routeHandler } from '../route-chain/route-handler.ts';
import { userStore } from './store.ts';

const users = userStore();

/** GET /users/{userId} (`users:read`), with its version as ETag. */
export const handler = routeHandler(route, async (event) => {
  const { userId } = event.pathParameters;
  const found = await users.get(userId);
  if (!found) throw new HttpProblem('not_found', `No user ${userId}`);
  return json(200, found.user, { ETag: etagOf(found.version) });
});
