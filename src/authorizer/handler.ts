import { configFromEnvironment } from '../shared/cold-start.ts';
import { createAuthorizer } from './authorizer.ts';
import { loadAuthorizerConfig } from './config.ts';

/**
 * The Lambda entry point. Configuration is read and validated once, at cold start. A bad value
 * fails the init with a log line naming the variable: API Gateway then answers 500 for every
 * request (no Allow is ever produced), which is what a misconfigured authorizer must do.
 */
export const handler = createAuthorizer({ config: configFromEnvironment(loadAuthorizerConfig) });
