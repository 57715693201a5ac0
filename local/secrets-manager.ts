import { randomInt } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A stand-in for Secrets Manager's GetSecretValue (its JSON 1.1 protocol, as the AWS SDK speaks
 * it), serving one secret: the local stack's API key secret, which the authorizer reads at init
 * as it reads the deployed one (SECRETS_MANAGER_ENDPOINT points its client here). Signatures are
 * not checked: it listens on loopback only and holds a secret made up at start.
 */
export interface LocalSecret {
  /** The endpoint to give the SDK client: `http://127.0.0.1:<port>`. */
  readonly endpoint: string;
  readonly secretId: string;
  readonly secret: string;
  /** How many times the secret was read. */
  reads(): number;
  close(): Promise<void>;
}

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** What CloudFormation's GenerateSecretString makes of PasswordLength 40, ExcludePunctuation. */
export const randomKeySecret = (length = 40): string =>
  Array.from({ length }, () => ALPHANUMERIC[randomInt(ALPHANUMERIC.length)]).join('');

export async function startLocalSecret(
  secretId: string,
  secret = randomKeySecret(),
  /** Added to every answer: the round trip to the real service (the benchmark). */
  delayMs = 0,
): Promise<LocalSecret> {
  let reads = 0;
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const answer = (status: number, body: unknown) =>
        setTimeout(() => {
          response.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
          response.end(JSON.stringify(body));
        }, delayMs);
      let asked: unknown;
      try {
        asked = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { SecretId?: unknown };
      } catch {
        return answer(400, { __type: 'InvalidRequestException', message: 'not JSON' });
      }
      if (request.headers['x-amz-target'] !== 'secretsmanager.GetSecretValue')
        return answer(400, { __type: 'InvalidRequestException', message: 'GetSecretValue only' });
      if ((asked as { SecretId?: unknown }).SecretId !== secretId)
        return answer(400, {
          __type: 'ResourceNotFoundException',
          message: "Secrets Manager can't find the specified secret.",
        });
      reads += 1;
      return answer(200, {
        ARN: `arn:aws:secretsmanager:eu-west-1:123456789012:secret:${secretId}-AbCdEf`,
        Name: secretId,
        SecretString: secret,
        VersionId: '00000000-0000-4000-8000-000000000000',
        VersionStages: ['AWSCURRENT'],
        CreatedDate: Math.floor(Date.now() / 1000),
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    secretId,
    secret,
    reads: () => reads,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
