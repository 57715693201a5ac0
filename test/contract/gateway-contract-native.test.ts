import { gatewayContract } from './gateway-contract.suite.ts';

// API Gateway's native JWT authorizer as layer 1 (`layer1: native`): see gateway-contract.suite.ts.
gatewayContract('native');
