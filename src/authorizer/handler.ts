import { jsonLineLogger } from '../shared/log.ts';
import { ConfigError } from '../shared/env.ts';
import { createAuthorizer } from './authorizer.ts';
import { loadAuthorizerConfig } from './config.ts';

/**
 * The Lambda entry point. Configuration is read and validated once, at cold start. A bad value
 * fails the init with a log line naming the variable: API Gateway then answers 500 for every
 * request (no Allow is ever produced), which is what a misconfigured authorizer must do.
 */
function configure() {
  try {
    return loadAuthorizerConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      jsonLineLogger({
        decision: 'error',
        reason: error.code,
        variable: error.variable,
        detail: error.message,
      });
    }
    throw error;
  }
}

export const handler = createAuthorizer({ config: configure() });
