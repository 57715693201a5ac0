import { describe, expect, it } from '@jest/globals';
import { ESLint } from 'eslint';
import { fileURLToPath } from 'node:url';

/**
 * Imports run one way (README, "Project layout"): the rules live in eslint.config.js. Each
 * violation is linted as text at a path inside the group it breaks, so no violating file sits
 * in the repository.
 */
const root = fileURLToPath(new URL('../..', import.meta.url));
const eslint = new ESLint({ cwd: root });

async function importMessages(filePath: string, source: string) {
  const [result] = await eslint.lintText(source, { filePath: `${root}${filePath}` });
  return result!.messages
    .filter((message) => message.ruleId === 'no-restricted-imports')
    .map((message) => message.message);
}

describe('the import direction', () => {
  it.each([
    [
      'layer 1 importing the route chain',
      'src/authorizer/example.ts',
      "import { routeHandler } from '../route-chain/route-handler.ts';",
      'Layer 1 (src/authorizer/) never imports layer 2',
    ],
    [
      'layer 1 importing the sample routes',
      'src/authorizer/keys/example.ts',
      "import { UserStore } from '../../users/store.ts';",
      'Layer 1 (src/authorizer/) never imports layer 2',
    ],
    [
      'the route chain importing layer 1',
      'src/route-chain/example.ts',
      "import { verifyToken } from '../authorizer/verify-token.ts';",
      'Layer 2 (src/route-chain/, src/users/) never imports layer 1',
    ],
    [
      'the sample routes importing layer 1',
      'src/users/example.ts',
      "import { policy } from '../authorizer/policy.ts';",
      'Layer 2 (src/route-chain/, src/users/) never imports layer 1',
    ],
    [
      'the issuer rules importing layer 1',
      'src/issuers/example.ts',
      "import { AuthorizerFailure } from '../authorizer/errors.ts';",
      'src/issuers/ is what both layers apply to a token',
    ],
    [
      'the issuer rules importing layer 2',
      'src/issuers/example.ts',
      "import { requireCaller } from '../route-chain/require-caller.ts';",
      'src/issuers/ is what both layers apply to a token',
    ],
    [
      'the shared bottom importing the issuer rules',
      'src/shared/example.ts',
      "import { PRESETS } from '../issuers/presets.ts';",
      'src/shared/ is the bottom of src/',
    ],
    [
      'src/ importing the build tools',
      'src/shared/example.ts',
      "import { routeTable } from '../../tools/route-table.ts';",
      'src/ is deployed: it never imports tools/, local/ or test/.',
    ],
    [
      'src/ importing the local stack',
      'src/users/example.ts',
      "import { ports } from '../../local/ports.ts';",
      'src/ is deployed: it never imports tools/, local/ or test/.',
    ],
    [
      'src/ importing the tests',
      'src/authorizer/example.ts',
      "import { issuer } from '../../test/support/issuer.ts';",
      'src/ is deployed: it never imports tools/, local/ or test/.',
    ],
    [
      'the storage toolkit importing the route chain',
      'src/resource/example.ts',
      "import { HttpProblem } from '../route-chain/error-middleware.ts';",
      'src/resource/ knows no HTTP',
    ],
    [
      'the storage toolkit importing the issuer rules',
      'src/resource/example.ts',
      "import { PRESETS } from '../issuers/presets.ts';",
      'src/resource/ knows no HTTP',
    ],
    [
      'the storage toolkit importing the sample routes',
      'src/resource/example.ts',
      "import type { User } from '../users/store.ts';",
      'src/resource/ knows no HTTP',
    ],
  ])('refuses %s', async (_name, filePath, source, message) => {
    const messages = await importMessages(filePath, `${source}\nexport {};\n`);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toContain(message);
  });

  it.each([
    [
      'layer 2 importing what both layers share',
      'src/route-chain/example.ts',
      "import { PROBLEMS } from '../shared/problems.ts';",
    ],
    [
      'the route chain importing the storage toolkit',
      'src/route-chain/example.ts',
      "import { ResourceError } from '../resource/errors.ts';",
    ],
    [
      'layer 1 importing the issuer rules',
      'src/authorizer/example.ts',
      "import { assertClaimRules } from '../issuers/claim-rules.ts';",
    ],
    [
      'layer 2 importing the issuer rules',
      'src/route-chain/example.ts',
      "import { createGatewayClaimsAcceptor } from '../issuers/claim-rules.ts';",
    ],
    [
      'tools importing src',
      'tools/example.ts',
      "import { PROBLEMS } from '../src/shared/problems.ts';",
    ],
  ])('allows %s', async (_name, filePath, source) => {
    expect(await importMessages(filePath, `${source}\nexport {};\n`)).toEqual([]);
  });

  it('finds no violation in the tree as it is', async () => {
    const results = await eslint.lintFiles(['src']);
    const violations = results.flatMap((result) =>
      result.messages
        .filter((message) => message.ruleId === 'no-restricted-imports')
        .map((message) => `${result.filePath}: ${message.message}`),
    );
    expect(results.length).toBeGreaterThan(50);
    expect(violations).toEqual([]);
  });
});
