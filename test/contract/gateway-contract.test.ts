import { gatewayContract } from './gateway-contract.suite.ts';

// Our Lambda authorizer as layer 1 (the default, `layer1: lambda`): see gateway-contract.suite.ts.
gatewayContract('lambda');
