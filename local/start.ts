/**
 * `npm start`: the OAuth server, dynalite and `sls offline` on localhost, then the two commands
 * a newcomer pastes (get a token, call GET /me). Ctrl-C stops everything. Ports come from
 * LOCAL_API_PORT, LOCAL_LAMBDA_PORT, LOCAL_ISSUER_PORT, LOCAL_DYNAMO_PORT.
 */
import { join } from 'node:path';
import { readInteger } from '../src/shared/env.ts';
import { DEFAULT_PORTS, PortInUseError, startLocalStack, type StackPorts } from './stack.ts';

const ROOT = join(import.meta.dirname, '..');
const PORT_VARIABLES: Record<keyof StackPorts, string> = {
  api: 'LOCAL_API_PORT',
  lambda: 'LOCAL_LAMBDA_PORT',
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

const verbose = process.argv.includes('--verbose');
const started = Date.now();
process.stdout.write('Starting the OAuth server, dynalite and sls offline…\n');
try {
  const ports = portsFromEnv();
  const stack = await startLocalStack({
    ports,
    keysDir: join(ROOT, '.local'),
    // sls offline prints a line per request; --verbose shows them (the decision logs included).
    onOutput: (chunk) => {
      if (verbose) process.stdout.write(chunk);
    },
  });
  const clients = stack.auth.clients
    .map((c) => `${c.id}/${c.secret} (${c.scope})`)
    .join(`\n${' '.repeat(15)}`);
  process.stdout.write(`
Ready in ${((Date.now() - started) / 1000).toFixed(1)} s.

  API          ${stack.apiUrl}   (GET /me, GET|POST /users, GET|PATCH|DELETE /users/{userId})
  Auth server  ${stack.auth.issuer}   (discovery: /.well-known/openid-configuration)
  2nd server   ${stack.partner.issuer}   (trusted at the same time, keys of its own)
  DynamoDB     ${stack.dynamoEndpoint}   (dynalite, in memory)
  Clients      ${clients}

Get a token (client credentials, the reader client):

  TOKEN=$(curl -s -u reader:reader-secret -d grant_type=client_credentials -d scope=users:read ${stack.auth.tokenUrl} | node -p 'JSON.parse(require("fs").readFileSync(0, "utf8")).access_token')

Call the API with it:

  curl -s -H "Authorization: Bearer $TOKEN" ${stack.apiUrl}/me

Ctrl-C stops everything.${verbose ? '' : ' Run `npm start -- --verbose` to see the request log.'}
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
