import * as prettier from 'prettier';
import {
  Alias,
  isAlias,
  isMap,
  isNode,
  isScalar,
  isSeq,
  parseDocument,
  Scalar,
  YAMLMap,
  type Document,
  type Node,
} from 'yaml';

/**
 * Adds a route's function and its own IAM role to serverless.yml, as the existing ones are
 * written: the same authorizer and CORS blocks (the aliases the other routes use), and a role
 * with the same trust and logging policies (aliased where the file aliases them) and nothing
 * else. Edited through the `yaml` package's Document API, so every comment, anchor and quote of
 * the file stays, then formatted by prettier as the rest of the file is (`npm run lint`). Reading
 * serverless.yml is Serverless's job (tools/serverless-config.ts); this only writes. Build-time
 * only (npm run route:new).
 */
export interface NewFunction {
  readonly functionName: string;
  /** `src/users/get-user-audit.handler`. */
  readonly handler: string;
  readonly method: string;
  /** `/users/{userId}/audit`, as the route says it. */
  readonly path: string;
  readonly roleName: string;
}

export class ServerlessYmlError extends Error {
  override readonly name = 'ServerlessYmlError';
}

export async function addRouteFunction(
  text: string,
  spec: NewFunction,
  file = 'serverless.yml',
): Promise<string> {
  const doc = parseDocument(text);
  if (doc.errors.length) throw new ServerlessYmlError(`${file}: ${doc.errors[0]!.message}`);
  const functions = doc.get('functions');
  if (!isMap(functions)) throw new ServerlessYmlError(`${file} has no functions map`);
  if (functions.has(spec.functionName))
    throw new ServerlessYmlError(
      `${file} already has a function ${spec.functionName}: choose another --name`,
    );
  const template = templateHttpEvent(doc, functions);
  if (!template)
    throw new ServerlessYmlError(
      `${file} has no route behind an authorizer to follow: add the function by hand`,
    );

  const http = new YAMLMap<unknown, unknown>();
  http.flow = true;
  for (const pair of template.items) {
    const key = isScalar(pair.key) ? pair.key.value : pair.key;
    if (key !== 'method' && key !== 'path') http.set(key, copyOf(doc, pair.value));
  }
  http.set('method', spec.method.toLowerCase());
  const path = new Scalar(spec.path.replace(/^\//, ''));
  // Quoted as the other paths with a {parameter} are (a bare `{` would start a YAML map).
  if (path.value.toString().includes('{')) path.type = Scalar.QUOTE_SINGLE;
  http.set('path', path);
  const fn = doc.createNode({ handler: spec.handler, role: spec.roleName }) as YAMLMap;
  const events = doc.createNode([{}]) as unknown as { items: YAMLMap[] };
  events.items[0]!.set('http', http);
  fn.set('events', events);
  const key = doc.createNode(spec.functionName) as Scalar;
  key.spaceBefore = true;
  functions.add(doc.createPair(key, fn));

  const resources = roleResources(doc);
  if (resources.has(spec.roleName))
    throw new ServerlessYmlError(`${file} already has a resource ${spec.roleName}`);
  resources.add(doc.createPair(roleKey(doc, spec), roleOf(doc, resources, spec)));

  // Only the new function and role are taken from the re-written document and spliced into the
  // file as it was: re-writing it whole would re-fold its block scalars (the access-log format)
  // and touch lines the edit has no business with.
  const written = doc.toString({ lineWidth: 0 }).split('\n');
  const insertions = [
    { at: lineAfter(text, functions.range?.[1]), block: blockOf(written, spec.functionName) },
    { at: lineAfter(text, resources.range?.[1]), block: blockOf(written, spec.roleName) },
  ].sort((a, b) => b.at - a.at);
  let edited = text;
  for (const { at, block } of insertions)
    edited = `${edited.slice(0, at)}\n${block.join('\n')}\n${edited.slice(at)}`;
  const options = await prettier.resolveConfig(file);
  return prettier.format(edited, { ...options, filepath: file });
}

/** The offset of the line after the one `offset` ends in (the end of a block map's last line). */
function lineAfter(text: string, offset: number | undefined): number {
  if (offset === undefined) throw new ServerlessYmlError('serverless.yml: no source range to edit');
  if (offset > 0 && text[offset - 1] === '\n') return offset;
  const next = text.indexOf('\n', offset);
  return next < 0 ? text.length : next + 1;
}

/** The lines of `key:`'s entry, with the comment lines just above it. */
function blockOf(lines: readonly string[], key: string): string[] {
  const start = lines.findIndex((line) => line.trimStart() === `${key}:`);
  if (start < 0) throw new ServerlessYmlError(`serverless.yml: ${key} was not written`);
  const indent = lines[start]!.length - lines[start]!.trimStart().length;
  let first = start;
  while (first > 0 && lines[first - 1]!.trimStart().startsWith('#')) first -= 1;
  let end = start + 1;
  while (
    end < lines.length &&
    (lines[end]!.trim() === '' || lines[end]!.length - lines[end]!.trimStart().length > indent)
  )
    end += 1;
  while (end > start + 1 && lines[end - 1]!.trim() === '') end -= 1;
  return lines.slice(first, end);
}

/** The http event of the first route behind an authorizer: the blocks a new route shares. */
function templateHttpEvent(
  doc: Document,
  functions: YAMLMap,
): YAMLMap<unknown, unknown> | undefined {
  for (const pair of functions.items) {
    const events = isMap(pair.value) ? pair.value.get('events', true) : undefined;
    if (!isSeq(events)) continue;
    for (const event of events.items) {
      const http = isMap(event) ? event.get('http', true) : undefined;
      if (isMap(http) && behindAuthorizer(doc, http)) return http as YAMLMap<unknown, unknown>;
    }
  }
  return undefined;
}

/** An http event with an authorizer, itself or through a YAML merge key (`<<: *route`). */
function behindAuthorizer(doc: Document, http: YAMLMap): boolean {
  if (http.has('authorizer')) return true;
  const merged = http.get('<<', true);
  const sources = isSeq(merged) ? merged.items : [merged];
  return sources.some((source) => {
    const map = isAlias(source) ? source.resolve(doc) : source;
    return isMap(map) && behindAuthorizer(doc, map);
  });
}

/**
 * The map of CloudFormation resources holding the IAM roles (`resources.Resources`, or one
 * `Resources` of a `resources` list, as Serverless merges them), created if there is none.
 */
function roleResources(doc: Document): YAMLMap {
  const resources = doc.get('resources', true);
  const candidates: unknown[] = isSeq(resources)
    ? resources.items.map((item) => (isMap(item) ? item.get('Resources', true) : undefined))
    : isMap(resources)
      ? [resources.get('Resources', true)]
      : [];
  const maps = candidates.filter((candidate): candidate is YAMLMap => isMap(candidate));
  const found = maps.find((map) => map.items.some((pair) => isRole(pair.value))) ?? maps[0];
  if (found) return found;
  const created = doc.createNode({}) as YAMLMap;
  if (isSeq(resources)) resources.add(doc.createNode({ Resources: created }));
  else if (isMap(resources)) resources.set('Resources', created);
  else doc.set('resources', doc.createNode({ Resources: created }));
  return created;
}

const isRole = (value: unknown) =>
  isMap(value) && (value.get('Type') as unknown) === 'AWS::IAM::Role';

function roleKey(doc: Document, spec: NewFunction): Scalar {
  const key = doc.createNode(spec.roleName) as Scalar;
  // Where a user looks when the function needs more than logs (npm run route:new says so too).
  key.commentBefore = [
    ` ${spec.functionName} (${spec.method} ${spec.path}): logs only, as npm run route:new wrote it.`,
    ' Grant its function exactly the actions it needs, table by table, and nothing else.',
  ].join('\n');
  return key;
}

/**
 * A role of its own with the trust policy and the managed policies the other roles use (the
 * same aliases where they are anchored), and no other permission.
 */
function roleOf(doc: Document, resources: YAMLMap, spec: NewFunction): YAMLMap {
  const template = resources.items
    .map((pair) => pair.value)
    .filter(isRole)
    .map((role) => (role as YAMLMap).get('Properties', true))
    .find((properties) => isMap(properties) && properties.has('AssumeRolePolicyDocument')) as
    YAMLMap | undefined;
  const properties = new YAMLMap<unknown, unknown>();
  properties.set(
    'AssumeRolePolicyDocument',
    template
      ? copyOf(doc, template.get('AssumeRolePolicyDocument', true))
      : doc.createNode({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: { Service: 'lambda.amazonaws.com' },
              Action: 'sts:AssumeRole',
            },
          ],
        }),
  );
  // Writes to its own log group only (Serverless names it `<Function>LogGroup`), as every role
  // of the file: AWS's AWSLambdaBasicExecutionRole would grant them on every log group.
  const statement = doc.createNode({
    Effect: 'Allow',
    Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
    Resource: { 'Fn::GetAtt': [`${capitalised(spec.functionName)}LogGroup`, 'Arn'] },
  }) as YAMLMap;
  const anchor = writeLogsAnchor(resources);
  if (anchor) statement.set('Action', new Alias(anchor));
  const policyName = spec.functionName.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
  const policies = doc.createNode([
    { PolicyName: policyName, PolicyDocument: { Version: '2012-10-17', Statement: [] } },
  ]) as unknown as { items: YAMLMap[] };
  // Quoted: unquoted, YAML 1.1 readers (Serverless's) would read the policy version as a date.
  const version = policies.items[0]!.getIn(['PolicyDocument', 'Version'], true) as Scalar;
  version.type = Scalar.QUOTE_SINGLE;
  (
    policies.items[0]!.getIn(['PolicyDocument', 'Statement'], true) as { add(n: unknown): void }
  ).add(statement);
  properties.set('Policies', policies);
  // One line, as the file writes a role made of aliases; a role written out in full stays a block.
  properties.flow = false;
  const role = doc.createNode({ Type: 'AWS::IAM::Role' }) as YAMLMap;
  role.set('Properties', properties);
  return role;
}

const capitalised = (name: string) => name[0]!.toUpperCase() + name.slice(1);

/** The anchor the file gives the log-writing actions (`&writeLogs`), if any. */
function writeLogsAnchor(resources: YAMLMap): string | undefined {
  let found: string | undefined;
  const visit = (node: unknown) => {
    if (found) return;
    if (
      isSeq(node) &&
      node.anchor &&
      node.items.some((i) => isScalar(i) && i.value === 'logs:PutLogEvents')
    )
      found = node.anchor;
    else if (isMap(node) || isSeq(node))
      for (const item of node.items) visit(isMap(node) ? (item as { value: unknown }).value : item);
  };
  visit(resources);
  return found;
}

/** An alias stays an alias; an anchored node becomes an alias to it; anything else a copy. */
function copyOf(doc: Document, value: unknown): Node {
  if (isAlias(value)) return new Alias(value.source);
  if (isNode(value) && (isMap(value) || isSeq(value) || isScalar(value)) && value.anchor)
    return new Alias(value.anchor);
  if (isNode(value)) return value.clone() as Node;
  return doc.createNode(value);
}
