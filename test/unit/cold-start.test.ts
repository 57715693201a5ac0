import { describe, expect, it } from '@jest/globals';
import { loadUsersConfig } from '../../src/users/users-config.ts';
import { configFromEnvironment } from '../../src/shared/cold-start.ts';
import { ConfigError } from '../../src/shared/env.ts';
import type { LogEntry } from '../../src/shared/log.ts';

describe('configuration read at cold start', () => {
  it('returns the parsed configuration and logs nothing when it is valid', () => {
    const lines: LogEntry[] = [];
    const config = configFromEnvironment(loadUsersConfig, (l) => lines.push(l), {
      USERS_TABLE: 'users',
      UNIQUE_VALUES_TABLE: 'unique',
      IDEMPOTENCY_TABLE: 'idempotency',
    });
    expect(config.tables).toEqual({
      users: 'users',
      uniqueValues: 'unique',
      idempotency: 'idempotency',
    });
    expect(lines).toEqual([]);
  });

  it('logs one config_invalid line naming the variable, then fails the init', () => {
    const lines: LogEntry[] = [];
    expect(() => configFromEnvironment(loadUsersConfig, (l) => lines.push(l), {})).toThrow(
      ConfigError,
    );
    expect(lines).toEqual([
      {
        decision: 'error',
        code: 'config_invalid',
        variable: 'USERS_TABLE',
        detail: 'USERS_TABLE is required and is not set',
      },
    ]);
  });

  it('fails a users handler at import, not at its first request, without USERS_TABLE', async () => {
    const saved = process.env.USERS_TABLE;
    delete process.env.USERS_TABLE;
    try {
      await expect(import('../../src/users/get-user.ts')).rejects.toThrow(
        /USERS_TABLE is required/,
      );
    } finally {
      if (saved !== undefined) process.env.USERS_TABLE = saved;
    }
  });
});
