import { localStackSuite } from './local-stack.suite.ts';

// Behind API Gateway's native JWT authorizer (`npm start -- --param layer1=native`): see
// local-stack.suite.ts.
localStackSuite('native');
