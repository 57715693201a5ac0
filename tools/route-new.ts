/**
 * `npm run route:new -- "GET /users/{userId}/audit" --scope users:audit` adds a route: its
 * schema file, its function (a placeholder answering 501 until written), its serverless.yml
 * function behind the token authorizer with a role of its own, then the generated validators
 * and types, the client types and README's route tables. It refuses a route that exists or that
 * API Gateway would put on a resource another route holds, and prints what it wrote and what is
 * left to write. Options: `--scope` (repeat for several, all required), `--any-caller` (`[]` on
 * purpose), `--name` (the files' base name), `--area` (the folder under src/).
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import * as prettier from 'prettier';
import { clientTypes } from './client-types.ts';
import { formatProblems } from './lint-rules.ts';
import { openApiFor } from './openapi.ts';
import { writeReadmeTables } from './route-docs.ts';
import { routeClash, type KnownRoute } from './route-clash.ts';
import { exampleRequest } from './route-examples.ts';
import { planScaffold, ScaffoldError, type ScaffoldPlan } from './route-scaffold.ts';
import { loadRouteTable, type RouteTable } from './route-table.ts';
import { readApiDescription, type RouteSchema } from './schema-files.ts';
import { addRouteFunction, ServerlessYmlError } from './serverless-yml-edit.ts';

const USAGE =
  'usage: npm run route:new -- "METHOD /path/{param}" --scope <scope> [--scope <scope>…] | --any-caller [--name <kebab-name>] [--area <folder under src/>]';

interface Written {
  readonly file: string;
  readonly what: string;
}

/** Adds the route to the project at `root`; returns what it wrote and what is left to do. */
export async function addRoute(
  root: string,
  args: { route: string; scopes: string[]; anyCaller: boolean; name?: string; area?: string },
): Promise<{ plan: ScaffoldPlan; written: Written[]; todo: string[] }> {
  const before = await loadRouteTable(root);
  if (before.problems.length)
    throw new ScaffoldError(
      `npm run lint:routes finds problems; fix them first, so the new route joins a sound table:\n${formatProblems(before.problems)}`,
    );
  const api = readApiDescription(root);
  const plan = planScaffold(args, { components: before.components, api });
  const clash = routeClash(plan.method, plan.path, knownRoutes(before));
  if (clash) throw new ScaffoldError(clash.message);
  for (const file of [plan.schemaFile, plan.handlerFile])
    if (existsSync(join(root, file)))
      throw new ScaffoldError(`${file} already exists: choose another --name`);
  if (Object.hasOwn(before.config!.functions, plan.functionName))
    throw new ScaffoldError(
      `serverless.yml already has a function ${plan.functionName}: choose another --name`,
    );

  // Everything is prepared before anything is written: a refusal leaves the project as it was.
  const serverlessYml = join(root, 'serverless.yml');
  const yml = await addRouteFunction(readFileSync(serverlessYml, 'utf8'), plan, serverlessYml);
  const schemaText = await format(root, plan.schemaFile, JSON.stringify(plan.schema));
  const handlerText = await format(root, plan.handlerFile, plan.handlerSource);
  const written: Written[] = [];
  const write = (file: string, text: string, what: string) => {
    mkdirSync(dirname(join(root, file)), { recursive: true });
    writeFileSync(join(root, file), text);
    written.push({ file, what });
  };
  write(
    plan.schemaFile,
    schemaText,
    `x-route, x-scopes ${JSON.stringify(plan.scopes)}, x-responses (every status its chain answers, and 501), an example request`,
  );
  write(plan.handlerFile, handlerText, 'its function on routeHandler: a placeholder answering 501');
  writeFileSync(serverlessYml, yml);
  written.push({
    file: 'serverless.yml',
    what: `function ${plan.functionName} behind the token authorizer, with its own role ${plan.roleName} (logs only)`,
  });
  if (plan.tag?.added) {
    const tagged = {
      ...api,
      tags: [...(api.tags ?? []), { name: plan.tag.name, description: plan.tag.description }],
    };
    writeFileSync(
      join(root, 'schemas', 'api.json'),
      await format(root, 'schemas/api.json', JSON.stringify(tagged)),
    );
    written.push({ file: 'schemas/api.json', what: `the tag ${plan.tag.name}` });
  }

  await promisify(execFile)(process.execPath, [join(root, 'tools', 'compile-schemas.ts')], {
    cwd: root,
  });
  written.push({
    file: `src/generated/routes/${plan.name}.{js,d.ts}`,
    what: 'its validator and event type (npm run schemas)',
  });
  const after = await loadRouteTable(root);
  if (after.problems.length)
    throw new ScaffoldError(
      `the new route fails npm run lint:routes (please report this):\n${formatProblems(after.problems)}`,
    );
  writeFileSync(
    join(root, 'test', 'client', 'api.ts'),
    await clientTypes(await openApiFor(root, {}, after)),
  );
  written.push({ file: 'test/client/api.ts', what: 'the client types (npm run client:types)' });
  if (await writeReadmeTables(join(root, 'README.md'), after))
    written.push({
      file: 'README.md',
      what: 'the route and scope tables (npm run routes -- --readme)',
    });

  return { plan, written, todo: todoFor(root, plan, after) };
}

/** Every route a new one must not clash with: the table's, and any schema file's. */
function knownRoutes(table: RouteTable): KnownRoute[] {
  return [
    ...table.routes.map((r) => ({
      method: r.method,
      path: r.path,
      where: `${r.schemaFile ?? 'no schema'}, function ${r.function}`,
    })),
    ...table.schemas.map((s) => ({ method: s.method, path: s.path, where: s.file })),
  ];
}

async function format(root: string, file: string, text: string): Promise<string> {
  const path = join(root, file);
  return prettier.format(text, { ...(await prettier.resolveConfig(path)), filepath: path });
}

/** What only the user can write, with a test case to start from. */
function todoFor(root: string, plan: ScaffoldPlan, table: RouteTable): string[] {
  const schema = table.schemas.find((s) => s.file === plan.schemaFile) as RouteSchema;
  const example = exampleRequest(schema);
  const area = plan.handlerFile.split('/')[1]!;
  const suite = existsSync(join(root, 'test', 'integration', `${area}-routes.test.ts`))
    ? `test/integration/${area}-routes.test.ts`
    : `a new test/integration/${area}-routes.test.ts (start it as test/integration/users-routes.test.ts starts: startHandlers, then handlers.invoke)`;
  const event = [
    `method: '${example.method}'`,
    `path: '${example.path}'`,
    ...(example.pathParameters ? [`pathParameters: ${literal(example.pathParameters)}`] : []),
    ...(example.body === undefined ? [] : [`body: ${literal(example.body)}`]),
    ...(example.body === undefined ? [] : [`headers: { 'Content-Type': 'application/json' }`]),
    'authorizer: defaultContext()',
  ];
  return [
    `${plan.handlerFile}: write the function, in place of the 501 placeholder.`,
    `${plan.schemaFile}: title, description, the success body under x-responses (a $ref to schemas/components/ where one fits), the request parts it reads and an example request its function answers; remove "501". Then npm run schemas && npm run client:types.`,
    `A test case in ${suite}, e.g.\n\n    it('${plan.method} ${plan.path} answers …', async () => {\n      const reply = await handlers.invoke('${plan.name}', {\n        ${event.join(',\n        ')},\n      });\n      expect(reply.statusCode).toBe(200);\n    });\n\n  The route-table suites (contract, OpenAPI, reference page, local stack) already cover its scopes and declared answers.`,
    `Needs a DynamoDB table? Add its actions to ${plan.roleName} in serverless.yml and \`environment: *usersEnvironment\` to ${plan.functionName}.`,
  ];
}

const literal = (value: unknown) =>
  typeof value === 'string'
    ? `'${value.replaceAll("'", "\\'")}'`
    : `{ ${Object.entries(value as Record<string, string>)
        .map(([k, v]) => `${/^[A-Za-z_$][\w$]*$/.test(k) ? k : `'${k}'`}: '${v}'`)
        .join(', ')} }`;

if (import.meta.main) {
  const root = process.env.ROUTES_ROOT ?? join(import.meta.dirname, '..');
  try {
    const { values, positionals } = parseArgs({
      allowPositionals: true,
      options: {
        scope: { type: 'string', multiple: true, default: [] },
        'any-caller': { type: 'boolean', default: false },
        name: { type: 'string' },
        area: { type: 'string' },
      },
    });
    if (positionals.length !== 1) throw new ScaffoldError(USAGE);
    const { plan, written, todo } = await addRoute(root, {
      route: positionals[0]!,
      scopes: values.scope,
      anyCaller: values['any-caller'],
      ...(values.name ? { name: values.name } : {}),
      ...(values.area ? { area: values.area } : {}),
    });
    const width = Math.max(...written.map((w) => w.file.length));
    const scopes = plan.scopes.length
      ? `scope${plan.scopes.length > 1 ? 's' : ''} ${plan.scopes.join(', ')}`
      : 'any authenticated caller';
    process.stdout.write(
      [
        `route:new: ${plan.method} ${plan.path} (${scopes}), function ${plan.functionName}`,
        '',
        'Wrote:',
        ...written.map((w) => `  ${w.file.padEnd(width)}  ${w.what}`),
        '',
        'It passes npm run lint:routes and npm run typecheck as written. Left to you:',
        ...todo.map((t, i) => `  ${i + 1}. ${t}`),
        '',
        `Then npm test. npm start offers the route's scopes to the local admin client (local/clients.json, "everyRouteScope").`,
        '',
      ].join('\n'),
    );
  } catch (error) {
    if (error instanceof ScaffoldError || error instanceof ServerlessYmlError)
      process.stderr.write(`route:new: ${error.message}\n`);
    else if (String((error as { code?: unknown }).code).startsWith('ERR_PARSE_ARGS'))
      process.stderr.write(`route:new: ${(error as Error).message}\n${USAGE}\n`);
    else throw error;
    process.exitCode = 1;
  }
}
