/**
 * `npm start`: the OAuth servers, DynamoDB Local, `sls offline` and the local API Gateway on
 * localhost, then the commands a newcomer pastes (get a token, call two routes). Ctrl-C stops
 * everything. Flags: `--verbose` (access log), `--authorizer per-route` (the cache trap),
 * `--param authorizerTtl=0` (any serverless.yml param; `--param layer1=native`, or LAYER1=native
 * in the environment, puts API Gateway's native JWT authorizer in front). Ports come from LOCAL_API_PORT,
 * LOCAL_LAMBDA_PORT, LOCAL_OFFLINE_PORT, LOCAL_ISSUER_PORT, LOCAL_PARTNER_ISSUER_PORT,
 * LOCAL_DYNAMO_PORT.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { readInteger } from '../src/shared/env.ts';
import type { AuthorizerMode } from './api-gateway/front.ts';
import { routeLines } from './banner.ts';
import { loadLocalClients } from './local-clients.ts';
import { DEFAULT_PORTS, PortInUseError, startLocalStack, type StackPorts } from './stack.ts';

const ROOT = join(import.meta.dirname, '..');
const PORT_VARIABLES: Record<keyof StackPorts, string> = {
  api: 'LOCAL_API_PORT',
  lambda: 'LOCAL_LAMBDA_PORT',
  offline: 'LOCAL_OFFLINE_PORT',
  issuer: 'LOCAL_ISSUER_PORT',
  partner: 'LOCAL_PARTNER_ISSUER_PORT',
  dynamo: 'LOCAL_DYNAMO_PORT',
};

function portsFromEnv(): StackPorts {
  const entries = Object.entries(PORT_VARIABLES).map(([role, variable]) => [
    role,
    readInteger(process.env, variable, {
      fallback: DEFAULT_PORTS[role as keyof StackPorts],
      min: 1,
      max: 65535,
    }),
  ]);
  return Object.fromEntries(entries) as StackPorts;
}

let args: { verbose: boolean; authorizer: AuthorizerMode; params: Record<string, string> };
try {
  const { values } = parseArgs({
    options: {
      verbose: { type: 'boolean', default: false },
      authorizer: { type: 'string', default: 'stage-wide' },
      param: { type: 'string', multiple: true, default: [] },
    },
  });
  if (values.authorizer !== 'stage-wide' && values.authorizer !== 'per-route')
    throw new Error(`--authorizer is stage-wide (ours) or per-route, not "${values.authorizer}"`);
  const params = Object.fromEntries(
    values.param.map((pair) => {
      const at = pair.indexOf('=');
      if (at < 1) throw new Error(`--param takes key=value, not "${pair}"`);
      return [pair.slice(0, at), pair.slice(at + 1)];
    }),
  );
  args = { verbose: values.verbose, authorizer: values.authorizer, params };
} catch (error) {
  process.stderr.write(
    `npm start: ${(error as Error).message}\nusage: npm start [-- --verbose] [--authorizer stage-wide|per-route] [--param authorizerTtl=0] [--param layer1=native]\n`,
  );
  process.exit(2);
}

const started = Date.now();
// sls offline's own start-up lines (its route table is not the API: the local gateway is) stay
// hidden; once ready, --verbose shows what the functions log.
let ready = false;
process.stdout.write(
  'Starting the OAuth servers, DynamoDB Local, sls offline and the local API Gateway…\n',
);
try {
  const ports = portsFromEnv();
  // local/clients.json against the routes, before anything starts: an error names the file and
  // the key; a scope no client may be granted is worth knowing before calling its route.
  for (const warning of loadLocalClients().warnings)
    process.stderr.write(`npm start: warning: ${warning}\n`);
  const stack = await startLocalStack({
    ports,
    keysDir: join(ROOT, '.local'),
    params: args.params,
    authorizer: args.authorizer,
    // sls offline prints the functions' decision logs; --verbose shows them, and the local
    // gateway's access log: one JSON line per request in the deployed stage's format.
    onOutput: (chunk) => {
      if (args.verbose && ready) process.stdout.write(chunk);
    },
    onRequest: (line) => {
      if (args.verbose) process.stdout.write(`${line}\n`);
    },
  });
  ready = true;
  const indent = `\n${' '.repeat(15)}`;
  const clients = stack.auth.clients
    .map(
      (c) =>
        `${c.id}/${c.secret} (${c.scope}${c.accessTokenTtlSeconds ? `; tokens live ${c.accessTokenTtlSeconds} s` : ''})`,
    )
    .join(indent);
  const { stage, usagePlans } = stack.throttling;
  const plans = (usagePlans?.plans ?? [])
    .map(
      (plan) =>
        `${plan.name} ${plan.rateLimit}/s, burst ${plan.burstLimit}${plan.quota ? `, ${plan.quota.limit}/${plan.quota.period}` : ''} (${plan.clients.length ? plan.clients.map((c) => c.clientId).join(', ') : 'everyone else'})`,
    )
    .join('; ');
  const native = stack.layer1 === 'native';
  const authorizer = native
    ? "native: API Gateway's JWT authorizer from AUTH_ISSUERS, no authorizer function runs"
    : `${
        args.authorizer === 'per-route'
          ? 'per-route: the classic blueprint, Allow for event.methodArn only (the trap)'
          : 'stage-wide: Allow for the whole stage (ours)'
      }, cached ${stack.authorizerTtl} s per token`;
  process.stdout.write(`
Ready in ${((Date.now() - started) / 1000).toFixed(1)} s.

  API          ${stack.apiUrl}
  Routes       ${routeLines(stack.routes).join(indent)}
  Authorizer   ${authorizer}
  Throttling   ${stage ? `${stage.rateLimit}/s, burst ${stage.burstLimit} per route` : 'none'}; usage plans: ${plans || 'none'}
  Reference    ${stack.referenceUrl ?? '(not built)'}   (OpenAPI: ${stack.documentUrl ?? '-'})
  Auth server  ${stack.auth.issuer}   (discovery: /.well-known/openid-configuration)
  2nd server   ${stack.partner.issuer}   (trusted at the same time, keys of its own)
  DynamoDB     ${stack.dynamoEndpoint}   (DynamoDB Local, in memory)
  Clients      ${clients}

Get a token (client credentials, the reader client):

  TOKEN=$(curl -s -u reader:reader-secret -d grant_type=client_credentials -d scope=users:read ${stack.auth.tokenUrl} | node -p 'JSON.parse(require("fs").readFileSync(0, "utf8")).access_token')

Call two routes with it (${native ? 'the gateway validates the token on each request' : 'the second answers from the authorizer cache'}):

  curl -s -H "Authorization: Bearer $TOKEN" ${stack.apiUrl}/me; echo
  curl -s -H "Authorization: Bearer $TOKEN" ${stack.apiUrl}/users; echo

Ctrl-C stops everything.${args.verbose ? '' : ' Run `npm start -- --verbose` to see the access log.'}
`);
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`\n${signal}: stopping…\n`);
    await stack.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
} catch (error) {
  if (error instanceof PortInUseError) {
    const variable = PORT_VARIABLES[error.role as keyof StackPorts];
    process.stderr.write(
      `npm start: ${error.message}. Stop what uses it, or pick another port: ${variable}=<port> npm start\n`,
    );
  } else {
    process.stderr.write(`npm start: ${(error as Error).message}\n`);
  }
  process.exit(1);
}
