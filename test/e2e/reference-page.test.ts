import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { buildReferenceSite, REFERENCE_PATHS } from '../../local/reference-site.ts';
import { projectRouteTable } from '../support/route-table.ts';

/**
 * The API reference page in a real browser: Debian's Chromium, headless, driven by
 * playwright-core (which downloads no browser). The page is the one the local stack serves, and
 * every request that is not to it is blocked, so the test also proves it renders offline. For
 * every operation of the document it reads what the page shows: the summary, the method and
 * path, the scopes and the response codes.
 */
const ROOT = join(import.meta.dirname, '..', '..');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SCREENSHOT = join(ROOT, 'dist', 'reference.png');
const browserPresent = existsSync(CHROMIUM);
if (!browserPresent && process.env.CI)
  throw new Error(`no browser at ${CHROMIUM}: .ci/run installs Debian's chromium`);
if (!browserPresent)
  console.warn(
    `SKIPPED: the reference page browser test needs Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`,
  );
const describeInBrowser = browserPresent ? describe : describe.skip;

interface Operation {
  operationId: string;
  summary: string;
  tags: string[];
  security: { oauth2: string[] }[];
  responses: Record<string, unknown>;
}

interface Shown {
  title: string;
  method: string;
  path: string;
  security: string;
  responses: string[];
}

let server: Server;
let base: string;
let context: BrowserContext;
let page: Page;
let userDataDir: string;
let operations: { method: string; path: string; operation: Operation }[];
const blocked: { url: string; type: string }[] = [];

beforeAll(async () => {
  const site = await buildReferenceSite(ROOT, {}, projectRouteTable());
  const paths = site.document.paths as Record<string, Record<string, Operation>>;
  operations = Object.entries(paths).flatMap(([path, item]) =>
    Object.entries(item).map(([method, operation]) => ({ method, path, operation })),
  );
  server = createServer((request, response) => {
    if (!site.handle(request, response)) response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  if (!browserPresent) return;
  userDataDir = mkdtempSync(join(tmpdir(), 'chromium-'));
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1400, height: 1000 },
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
  });
  await context.route('**/*', (route) => {
    const request = route.request();
    if (request.url().startsWith(base)) return route.continue();
    blocked.push({ url: request.url(), type: request.resourceType() });
    return route.abort();
  });
  page = context.pages()[0] ?? (await context.newPage());
  await page.goto(`${base}${REFERENCE_PATHS.page}`);
  await page.locator('[data-component-name="Menu/Menu"]').waitFor();
}, 60_000);

afterAll(async () => {
  await context?.close();
  await new Promise((resolve) => server?.close(resolve));
  if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
});

/** What the page shows for one operation: Redoc renders each one when it is navigated to. */
async function shown(tag: string, operationId: string): Promise<Shown> {
  // Redoc 3 gives each operation a route of its own, `#/<tag>/<operationid>`.
  const id = `${tag.toLowerCase()}/${operationId.toLowerCase()}`;
  await page.evaluate(`location.hash = ${JSON.stringify(`/${id}`)}`);
  const section = page.locator(`[data-item-kind="httpItem"][id="${id}"]`);
  await section.locator('[data-response-codes-tablist]').first().waitFor();
  const security = section.locator(
    '[data-component-name="Panel/Panel"]:has(span:text-is("Security")) [data-testid="panel-body"]',
  );
  return {
    title: (await section.locator('h2').first().innerText()).trim(),
    method: (
      await section
        .locator('[data-testid="dropdown"] [data-component-name="Tag/Tag"]')
        .first()
        .innerText()
    ).trim(),
    path: (
      await section.locator('[data-testid="dropdown"] > button > span').first().innerText()
    ).trim(),
    security: (await security.innerText()).replace(/\s+/g, ' ').trim(),
    responses: [
      ...new Set(
        (await section.locator('[data-response-codes-tablist] [role="tab"]').allInnerTexts()).map(
          (code) => code.trim(),
        ),
      ),
    ],
  };
}

describeInBrowser('the API reference page (npm run docs), in headless Chromium', () => {
  it('lists every operation of the document in its menu', async () => {
    const menu = page.locator(
      '[data-component-name="Menu/MenuItem"] a[href]:has([data-component-name="Tags/HttpTag"])',
    );
    // Tag groups start collapsed: open each so every operation link is in the DOM.
    for (const group of await page
      .locator(
        '[data-component-name="Menu/MenuItem"] a[href]:not(:has([data-component-name="Tags/HttpTag"])):not([href="/"])',
      )
      .all())
      await group.click();
    await menu.nth(operations.length - 1).waitFor();
    expect(await menu.count()).toBe(operations.length);
  });

  it('shows each operation with its summary, method, path, scopes and every response code', async () => {
    // One operation per route of the route table, each shown below.
    expect(operations.map((o) => `${o.method.toUpperCase()} ${o.path}`).sort()).toEqual(
      projectRouteTable()
        // OpenAPI writes a greedy {key+} as {key}.
        .routes.map((r) => `${r.method} ${r.path.replace(/\+\}/g, '}')}`)
        .sort(),
    );
    for (const { method, path, operation } of operations) {
      const scopes = operation.security[0]!.oauth2;
      const page = await shown(operation.tags[0]!, operation.operationId);
      expect(page).toEqual({
        title: operation.summary,
        method: method.toUpperCase(),
        path,
        security: expect.stringContaining('oauth2'),
        responses: expect.arrayContaining(Object.keys(operation.responses)),
      });
      for (const scope of scopes) expect(page.security).toContain(scope);
      expect(page.responses).toHaveLength(Object.keys(operation.responses).length);
    }
  }, 60_000);

  it('renders with no network: nothing but a decorative image is fetched from elsewhere', () => {
    expect(blocked.filter((request) => request.type !== 'image')).toEqual([]);
  });

  it('saves a screenshot of an operation to dist/reference.png', async () => {
    const create = operations.find((o) => o.operation.operationId === 'createUser')!;
    await shown(create.operation.tags[0]!, create.operation.operationId);
    mkdirSync(join(ROOT, 'dist'), { recursive: true });
    await page.screenshot({ path: SCREENSHOT });
    expect(existsSync(SCREENSHOT)).toBe(true);
  });
});
