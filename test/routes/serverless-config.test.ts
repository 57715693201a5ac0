import { describe, expect, it } from '@jest/globals';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadRouteTable } from '../../tools/route-table.ts';
import { GET_THING, projectDir } from './fixture-service.ts';

/**
 * The route table reads serverless.yml through Serverless itself (`sls print`), so it accepts
 * serverless.yml written any way Serverless accepts: parameters with fallbacks, merge keys,
 * events from other files, `--param` overrides. About two seconds per project.
 */
const SERVERLESS_YML = (events: string, extra = '') => `service: fixture
provider:
  name: aws
  runtime: nodejs24.x
params:
  default:
    authorizerTtl: \${env:FIXTURE_TTL, 120}
custom:
  authorizer: &authorizer
    name: authorizer
    type: token
functions:
  authorizer:
    handler: src/authorizer/handler.handler
    role: AuthorizerRole
  getThing:
    handler: src/things/get.handler
    role: GetThingRole
    events: ${events}
${extra}`;

describe('the route table on serverless.yml as Serverless resolves it', () => {
  it('reads parameters with fallbacks, merge keys and events kept in another file', async () => {
    const dir = projectDir(
      { 'get-thing.json': GET_THING },
      SERVERLESS_YML('${file(./events.yml)}'),
    );
    writeFileSync(
      join(dir, 'events.yml'),
      [
        '- http:',
        '    method: get',
        "    path: 'things/{id}'",
        '    authorizer:',
        '      <<: { name: authorizer, type: token }',
        '      resultTtlInSeconds: ${param:authorizerTtl}',
        '',
      ].join('\n'),
    );
    const table = await loadRouteTable(dir);
    expect(table.problems).toEqual([]);
    expect(table.routes.map((r) => [r.method, r.path, r.authorizerTtl])).toEqual([
      ['GET', '/things/{id}', 120],
    ]);
  }, 30_000);

  it('takes --param overrides as sls deploy would (authorizerTtl=0 turns the cache off)', async () => {
    const dir = projectDir(
      { 'get-thing.json': GET_THING },
      SERVERLESS_YML(
        "\n      - http: { method: get, path: 'things/{id}', authorizer: { <<: *authorizer, resultTtlInSeconds: '${param:authorizerTtl}' } }",
      ),
    );
    const table = await loadRouteTable(dir, { params: { authorizerTtl: '0' } });
    expect(table.problems).toEqual([]);
    expect(table.routes[0]!.authorizerTtl).toBe(0);
  }, 30_000);

  it('reports a serverless.yml Serverless cannot resolve, with its reason, instead of throwing', async () => {
    const dir = projectDir(
      { 'get-thing.json': GET_THING },
      SERVERLESS_YML('${file(./missing.yml)}'),
    );
    const table = await loadRouteTable(dir);
    expect(table.problems.map((p) => p.code)).toEqual(['serverless_config_unreadable']);
    expect(table.problems[0]!.message).toMatch(/functions\.getThing\.events.*"file" source/);
  }, 30_000);
});
