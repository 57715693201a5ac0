import { describe, expect, it } from '@jest/globals';
import { loadAuthorizerConfig } from '../../src/authorizer/authorizer-config.ts';
import {
  apiKeySuffix,
  apiKeyTable,
  parseUsagePlans,
  planKeys,
} from '../../src/authorizer/usage-plans.ts';
import { ConfigError } from '../../src/shared/env.ts';
import { usagePlanResources } from '../../tools/serverless-throttling.ts';
import { configErrorOf } from '../support/config-error.ts';

const ACME = 'https://acme.eu.auth0.com/';
const POOL = 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123';
const SECRET = 'k'.repeat(40);

const PLANS = {
  default: { rateLimit: 50, burstLimit: 100 },
  partner: {
    rateLimit: 200,
    burstLimit: 400,
    quota: { limit: 1_000_000, period: 'MONTH' },
    clients: [
      { issuer: ACME, clientId: 'partner-app' },
      { issuer: POOL, clientId: '5c3d1a' },
    ],
  },
  trial: {
    rateLimit: 1,
    burstLimit: 5,
    quota: { limit: 20, period: 'DAY' },
    clients: [{ issuer: ACME, clientId: 'trial-app' }],
  },
};

describe('USAGE_PLANS, read once at cold start', () => {
  it('reads the plans, the default one first, frozen', () => {
    const plans = parseUsagePlans(JSON.stringify({ trial: PLANS.trial, default: PLANS.default }));
    expect(plans.plans.map((p) => p.name)).toEqual(['default', 'trial']);
    expect(plans.default).toEqual({
      name: 'default',
      rateLimit: 50,
      burstLimit: 100,
      quota: undefined,
      clients: [],
    });
    expect(plans.plans[1]).toMatchObject({
      quota: { limit: 20, period: 'DAY' },
      clients: [{ issuer: ACME, clientId: 'trial-app' }],
    });
    expect(Object.isFrozen(plans.plans[1]!.clients)).toBe(true);
  });

  it.each([
    ['is not JSON', '{default:', 'USAGE_PLANS', /not valid JSON/],
    ['is not an object', '[]', 'USAGE_PLANS', /JSON object of plans/],
    [
      'has no default plan',
      JSON.stringify({ trial: PLANS.trial }),
      'USAGE_PLANS',
      /"default" plan/,
    ],
    [
      'names a plan with other characters',
      JSON.stringify({ ...PLANS, 'free-tier': PLANS.default }),
      'USAGE_PLANS.free-tier',
      /letters and digits/,
    ],
    [
      'has an unknown field',
      JSON.stringify({ default: { ...PLANS.default, burst: 1 } }),
      'USAGE_PLANS.default.burst',
      /not a field of a plan/,
    ],
    [
      'has no rate',
      JSON.stringify({ default: { burstLimit: 1 } }),
      'USAGE_PLANS.default.rateLimit',
      /above 0/,
    ],
    [
      'has a rate of 0',
      JSON.stringify({ default: { rateLimit: 0, burstLimit: 1 } }),
      'USAGE_PLANS.default.rateLimit',
      /above 0/,
    ],
    [
      'has a rate over the account limit',
      JSON.stringify({ default: { rateLimit: 10_001, burstLimit: 1 } }),
      'USAGE_PLANS.default.rateLimit',
      /at most 10000/,
    ],
    [
      'has a rate as text',
      JSON.stringify({ default: { rateLimit: '5', burstLimit: 1 } }),
      'USAGE_PLANS.default.rateLimit',
      /number/,
    ],
    [
      'has a burst of 0',
      JSON.stringify({ default: { rateLimit: 1, burstLimit: 0 } }),
      'USAGE_PLANS.default.burstLimit',
      /integer from 1/,
    ],
    [
      'has a fractional burst',
      JSON.stringify({ default: { rateLimit: 1, burstLimit: 1.5 } }),
      'USAGE_PLANS.default.burstLimit',
      /integer/,
    ],
    [
      'has a quota period AWS does not have',
      JSON.stringify({ ...PLANS, trial: { ...PLANS.trial, quota: { limit: 5, period: 'HOUR' } } }),
      'USAGE_PLANS.trial.quota.period',
      /DAY, WEEK, MONTH/,
    ],
    [
      'has a quota of 0',
      JSON.stringify({ ...PLANS, trial: { ...PLANS.trial, quota: { limit: 0, period: 'DAY' } } }),
      'USAGE_PLANS.trial.quota.limit',
      /at least 1/,
    ],
    [
      'lists clients in the default plan',
      JSON.stringify({ default: { ...PLANS.default, clients: [] } }),
      'USAGE_PLANS.default.clients',
      /left out/,
    ],
    [
      'lists a client without its issuer',
      JSON.stringify({ ...PLANS, trial: { ...PLANS.trial, clients: [{ clientId: 'x' }] } }),
      'USAGE_PLANS.trial.clients[0]',
      /"issuer"/,
    ],
    [
      'lists a client in two plans',
      JSON.stringify({
        ...PLANS,
        trial: { ...PLANS.trial, clients: [{ issuer: ACME, clientId: 'partner-app' }] },
      }),
      'USAGE_PLANS.trial.clients',
      /already in plan partner/,
    ],
  ])('fails loudly, naming the field, when it %s', (_, raw, variable, message) => {
    const error = configErrorOf(() => parseUsagePlans(raw));
    expect(error.variable).toBe(variable);
    expect(error.message).toMatch(message);
  });

  const base = { AUTH_ISSUER: ACME, AUTH_AUDIENCE: 'https://api.acme.example' };

  it('goes with API_KEYS_SECRET_ID: one without the other fails naming the missing one', () => {
    expect(
      configErrorOf(() => loadAuthorizerConfig({ ...base, USAGE_PLANS: JSON.stringify(PLANS) }))
        .variable,
    ).toBe('API_KEYS_SECRET_ID');
    expect(
      configErrorOf(() => loadAuthorizerConfig({ ...base, API_KEYS_SECRET_ID: 'arn:secret' }))
        .variable,
    ).toBe('USAGE_PLANS');
    expect(loadAuthorizerConfig(base).usagePlans).toBeUndefined();
  });

  it('takes a Secrets Manager endpoint over https, or plain http on loopback only', () => {
    const env = { ...base, USAGE_PLANS: JSON.stringify(PLANS), API_KEYS_SECRET_ID: 'arn:secret' };
    expect(
      loadAuthorizerConfig({ ...env, SECRETS_MANAGER_ENDPOINT: 'http://127.0.0.1:4566' }).usagePlans
        ?.endpoint?.href,
    ).toBe('http://127.0.0.1:4566/');
    expect(
      configErrorOf(() =>
        loadAuthorizerConfig({ ...env, SECRETS_MANAGER_ENDPOINT: 'http://secrets.example.com' }),
      ).variable,
    ).toBe('SECRETS_MANAGER_ENDPOINT');
  });
});

describe('API keys: one per listed client, one shared by the default plan', () => {
  const plans = parseUsagePlans(JSON.stringify(PLANS));
  const keyFor = apiKeyTable(plans, SECRET);

  it("gives a listed client its plan's key, and anyone else the default plan's", () => {
    expect(keyFor(ACME, 'partner-app')).toEqual({
      plan: 'partner',
      value: `${SECRET}${apiKeySuffix('partner', { issuer: ACME, clientId: 'partner-app' })}`,
    });
    expect(keyFor(ACME, 'someone-else')).toEqual({ plan: 'default', value: `${SECRET}default` });
    expect(keyFor(ACME, '')).toEqual({ plan: 'default', value: `${SECRET}default` });
  });

  it('knows a client by its issuer too: the same client id at another issuer is another client', () => {
    expect(keyFor(POOL, 'partner-app').plan).toBe('default');
    expect(keyFor(POOL, '5c3d1a').plan).toBe('partner');
    expect(keyFor(POOL, '5c3d1a').value).not.toBe(keyFor(ACME, 'partner-app').value);
  });

  it('makes every key distinct, letters and digits only, and gives a client moved to another plan a new key', () => {
    const values = planKeys(plans).map((k) => `${SECRET}${k.suffix}`);
    expect(new Set(values).size).toBe(4);
    for (const value of values) expect(value).toMatch(/^[A-Za-z0-9]{20,128}$/);
    const moved = apiKeyTable(
      parseUsagePlans(
        JSON.stringify({
          ...PLANS,
          trial: { ...PLANS.trial, clients: [{ issuer: ACME, clientId: 'partner-app' }] },
          partner: { ...PLANS.partner, clients: [] },
        }),
      ),
      SECRET,
    );
    expect(moved(ACME, 'partner-app').value).not.toBe(keyFor(ACME, 'partner-app').value);
  });
});

describe('the usage plan resources tools/serverless-throttling.ts writes', () => {
  const resources = usagePlanResources(JSON.stringify(PLANS), 'two-layer-authz', 'prod');
  const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);

  it('writes one usage plan per plan on the stage, with its throttle and quota', () => {
    expect(
      ofType('AWS::ApiGateway::UsagePlan').map(([, r]) => ({
        name: r.Properties.UsagePlanName,
        throttle: r.Properties.Throttle,
        quota: r.Properties.Quota,
        stages: r.Properties.ApiStages,
        dependsOn: r.DependsOn,
      })),
    ).toEqual([
      {
        name: 'two-layer-authz-prod-default',
        throttle: { RateLimit: 50, BurstLimit: 100 },
        quota: undefined,
        stages: [{ ApiId: { Ref: 'ApiGatewayRestApi' }, Stage: 'prod' }],
        dependsOn: 'ApiGatewayStage',
      },
      {
        name: 'two-layer-authz-prod-partner',
        throttle: { RateLimit: 200, BurstLimit: 400 },
        quota: { Limit: 1_000_000, Period: 'MONTH' },
        stages: [{ ApiId: { Ref: 'ApiGatewayRestApi' }, Stage: 'prod' }],
        dependsOn: 'ApiGatewayStage',
      },
      {
        name: 'two-layer-authz-prod-trial',
        throttle: { RateLimit: 1, BurstLimit: 5 },
        quota: { Limit: 20, Period: 'DAY' },
        stages: [{ ApiId: { Ref: 'ApiGatewayRestApi' }, Stage: 'prod' }],
        dependsOn: 'ApiGatewayStage',
      },
    ]);
  });

  it("writes an API key per listed client and one for the default plan, each in its plan, valued by the secret's dynamic reference", () => {
    const keys = ofType('AWS::ApiGateway::ApiKey');
    expect(keys.map(([, r]) => r.Properties.Name).sort()).toEqual([
      'two-layer-authz-prod-default',
      'two-layer-authz-prod-partner-5c3d1a',
      'two-layer-authz-prod-partner-partner-app',
      'two-layer-authz-prod-trial-trial-app',
    ]);
    const suffixes = planKeys(parseUsagePlans(JSON.stringify(PLANS))).map((k) => k.suffix);
    for (const [id, key] of keys) {
      const [, [open, secret, close, suffix]] = (
        key.Properties.Value as { 'Fn::Join': [string, unknown[]] }
      )['Fn::Join'];
      expect([open, secret, close]).toEqual([
        '{{resolve:secretsmanager:',
        { Ref: 'ApiKeysSecret' },
        ':SecretString}}',
      ]);
      expect(suffixes).toContain(suffix);
      const link = ofType('AWS::ApiGateway::UsagePlanKey').find(
        ([, r]) => (r.Properties.KeyId as { Ref: string }).Ref === id,
      );
      expect(link?.[1].Properties.KeyType).toBe('API_KEY');
      expect(resources[(link![1].Properties.UsagePlanId as { Ref: string }).Ref]?.Type).toBe(
        'AWS::ApiGateway::UsagePlan',
      );
    }
    expect(ofType('AWS::ApiGateway::UsagePlanKey')).toHaveLength(4);
  });

  it('refuses to write anything from plans the authorizer would refuse', () => {
    expect(() => usagePlanResources('{"trial":{}}', 'two-layer-authz', 'prod')).toThrow(
      ConfigError,
    );
  });
});
