import {
  DEFAULT_PLAN,
  parseUsagePlans,
  planKeys,
  type PlanKey,
} from '../src/authorizer/usage-plans.ts';

/**
 * A Serverless plugin (listed in serverless.yml's `plugins`) for what osls cannot write itself:
 *
 * - The stage as an AWS::ApiGateway::Stage of its own (`ApiGatewayStage` in serverless.yml's
 *   resources, which carries the stage-wide default method throttling). osls lets its
 *   AWS::ApiGateway::Deployment create the stage (`StageName`), and a stage created that way takes
 *   no method settings on later deploys: CloudFormation refuses `StageDescription` once the stage
 *   exists, and osls makes a new Deployment on every deploy. So the Deployment loses its
 *   `StageName` and the Stage resource points at it instead.
 * - One AWS::ApiGateway::UsagePlan per plan of `USAGE_PLANS` on this stage, one API key per
 *   listed client and one the default plan's clients share, each key in its plan. A key's value
 *   is the stage's key secret (a dynamic reference: CloudFormation resolves it while it deploys
 *   and keeps only the reference) followed by a public suffix; src/authorizer/api-keys.ts says why.
 *
 * Runs when osls finishes the template, on `sls package` and `sls deploy`; `sls print` and
 * `sls offline` never build one, so the local stack is untouched.
 */
interface CfnResource {
  Type: string;
  Properties: Record<string, unknown>;
  DependsOn?: string | string[];
}

interface Serverless {
  service: {
    service: string;
    custom?: { throttling?: { usagePlans?: unknown } };
    provider: {
      stage: string;
      compiledCloudFormationTemplate: { Resources: Record<string, CfnResource> };
    };
  };
}

/** The names serverless.yml and osls give the resources this plugin works with. */
export const STAGE_RESOURCE = 'ApiGatewayStage';
export const KEY_SECRET_RESOURCE = 'ApiKeysSecret';
const REST_API = 'ApiGatewayRestApi';

export default class ServerlessThrottling {
  readonly hooks: Record<string, () => void>;

  constructor(serverless: Serverless) {
    this.hooks = {
      // Once serverless.yml's resources are merged in (the Stage is one), before the template is saved.
      'after:aws:package:finalize:mergeCustomProviderResources': () => {
        const { Resources } = serverless.service.provider.compiledCloudFormationTemplate;
        const stage = serverless.service.provider.stage;
        ownStage(Resources);
        Object.assign(
          Resources,
          usagePlanResources(
            serverless.service.custom?.throttling?.usagePlans,
            serverless.service.service,
            stage,
          ),
        );
      },
    };
  }
}

function ownStage(resources: Record<string, CfnResource>): void {
  const stageResource = resources[STAGE_RESOURCE];
  if (stageResource?.Type !== 'AWS::ApiGateway::Stage')
    throw new Error(`serverless.yml has no AWS::ApiGateway::Stage named ${STAGE_RESOURCE}`);
  const deployments = Object.entries(resources).filter(
    ([, resource]) => resource.Type === 'AWS::ApiGateway::Deployment',
  );
  if (deployments.length !== 1)
    throw new Error(`expected one AWS::ApiGateway::Deployment, found ${deployments.length}`);
  const [deploymentId, deployment] = deployments[0]!;
  delete deployment.Properties.StageName;
  stageResource.Properties.DeploymentId = { Ref: deploymentId };
}

/** The usage plans, API keys and their links, by logical id. */
export function usagePlanResources(
  raw: unknown,
  service: string,
  stage: string,
): Record<string, CfnResource> {
  if (typeof raw !== 'string')
    throw new Error('custom.throttling.usagePlans must be the USAGE_PLANS string');
  const usagePlans = parseUsagePlans(raw);
  const resources: Record<string, CfnResource> = {};
  for (const plan of usagePlans.plans)
    resources[planLogicalId(plan.name)] = {
      Type: 'AWS::ApiGateway::UsagePlan',
      // The stage must exist before a plan can name it.
      DependsOn: STAGE_RESOURCE,
      Properties: {
        UsagePlanName: `${service}-${stage}-${plan.name}`,
        Description:
          plan.name === DEFAULT_PLAN
            ? 'Every client no other usage plan lists (one shared API key)'
            : `${plan.clients.length} client(s), one API key each`,
        ApiStages: [{ ApiId: { Ref: REST_API }, Stage: stage }],
        Throttle: { RateLimit: plan.rateLimit, BurstLimit: plan.burstLimit },
        ...(plan.quota ? { Quota: { Limit: plan.quota.limit, Period: plan.quota.period } } : {}),
      },
    };
  for (const key of planKeys(usagePlans)) {
    const id = keyLogicalId(key);
    resources[`${id}ApiKey`] = {
      Type: 'AWS::ApiGateway::ApiKey',
      Properties: {
        Enabled: true,
        Name: `${service}-${stage}-${key.plan.name}${key.client ? `-${key.client.clientId}` : ''}`.slice(
          0,
          1024,
        ),
        Description: key.client
          ? `${key.client.clientId} of ${key.client.issuer}`.slice(0, 1024)
          : 'Shared by every client no other usage plan lists',
        // The value never appears here: the secret's dynamic reference, then the public suffix.
        Value: {
          'Fn::Join': [
            '',
            [
              '{{resolve:secretsmanager:',
              { Ref: KEY_SECRET_RESOURCE },
              ':SecretString}}',
              key.suffix,
            ],
          ],
        },
      },
    };
    resources[`${id}UsagePlanKey`] = {
      Type: 'AWS::ApiGateway::UsagePlanKey',
      Properties: {
        KeyId: { Ref: `${id}ApiKey` },
        KeyType: 'API_KEY',
        UsagePlanId: { Ref: planLogicalId(key.plan.name) },
      },
    };
  }
  return resources;
}

const capitalised = (name: string) => `${name[0]!.toUpperCase()}${name.slice(1)}`;
const planLogicalId = (plan: string) => `UsagePlan${capitalised(plan)}`;
// The suffix is the plan's name and a digest of the client: unique, stable and alphanumeric.
const keyLogicalId = (key: PlanKey) =>
  `UsagePlan${capitalised(key.suffix.slice(0, key.plan.name.length + 16))}`;
