import { localStackSuite } from './local-stack.suite.ts';

// Behind our Lambda authorizer (the default, `layer1: lambda`): see local-stack.suite.ts.
localStackSuite('lambda');
