import { startLocalDynamo, type LocalDynamo } from '../../local/dynamo.ts';

export type { LocalDynamo };

/** dynalite on a free loopback port with the users table (the same code `npm start` uses). */
export const startDynalite = (tableName = 'users'): Promise<LocalDynamo> =>
  startLocalDynamo(0, tableName);
