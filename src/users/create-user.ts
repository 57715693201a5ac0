import route from '../generated/routes/create-user.js';
import { json } from '../http/respond.ts';
import { routeHandler } from '../http/route-handler.ts';
import { userStore, type NewUser } from './store.ts';

/** POST /users (`users:write`). The schema refuses unknown properties and checks formats. */
export const handler = routeHandler<NewUser>(route, async (event, caller) => {
  const user = await userStore().create(event.body, caller.sub);
  return json(201, user, { Location: `/users/${user.userId}` });
});
