import { Client } from '@temporalio/client';
import type { Express } from 'express';
import request from 'supertest';
import { createApp } from '../../api/app';
import { buildOpenApiDocument } from '../../api/openapi';
import { loadConfig } from '../../platform/config';
import { createPrismaClient } from '../../platform/database';
import { systemClock } from '../../platform/clock';

/** The spec and the app must list the same operations: a route without a spec entry, or the reverse, fails. */
function appWithoutServices(): Express {
  // Neither connects until used, and these tests only read the route table and the spec.
  const prisma = createPrismaClient({ databaseUrl: 'postgresql://nobody@127.0.0.1:1/none', poolSize: 1 });
  return createApp({ config: loadConfig({ NODE_ENV: 'test' }), prisma, temporal: new Client(), clock: systemClock });
}

interface Layer {
  route?: { path: string; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
}

function routesOf(app: Express): string[] {
  const walk = (stack: Layer[]): string[] =>
    stack.flatMap((layer) => {
      if (layer.route) return Object.keys(layer.route.methods).map((method) => `${method.toUpperCase()} ${layer.route!.path.replace(/:(\w+)/g, '{$1}')}`);
      return layer.handle?.stack ? walk(layer.handle.stack) : [];
    });
  return walk((app as unknown as { router: { stack: Layer[] } }).router.stack);
}

describe('OpenAPI', () => {
  it('documents exactly the routes the app serves', () => {
    const document = buildOpenApiDocument() as { paths: Record<string, Record<string, unknown>> };
    const documented = Object.entries(document.paths).flatMap(([path, operations]) => Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`));
    expect(routesOf(appWithoutServices()).sort()).toEqual(documented.sort());
  });

  it('describes request bodies from the validation schemas themselves', () => {
    const document = buildOpenApiDocument() as any;
    const body = document.paths['/generations'].post.requestBody.content['application/json'].schema;
    expect(body.properties.type.enum).toEqual(['flashcards', 'quiz']);
    expect(body.properties.input.properties.count).toMatchObject({ type: 'integer', minimum: 1, maximum: 50 });
    expect(body.additionalProperties).toBe(false);
  });

  it('serves the spec and a docs page without a token', async () => {
    const app = appWithoutServices();
    const spec = await request(app).get('/openapi.json');
    expect(spec.status).toBe(200);
    expect(spec.body.openapi).toBe('3.1.0');
    const docs = await request(app).get('/docs');
    expect(docs.status).toBe(200);
    expect(docs.text).toContain('/generations/{id}/cancel');
  });

  it('serves Swagger UI from the swagger-ui-dist package, pointed at the spec, with no CDN', async () => {
    const app = appWithoutServices();
    const docs = await request(app).get('/docs');
    expect(docs.text).toContain("url: '/openapi.json'");
    expect(docs.text).toContain('persistAuthorization: true');
    expect(docs.text).not.toMatch(/https?:\/\//);
    const bundle = await request(app).get('/docs/assets/swagger-ui-bundle.js');
    expect(bundle.status).toBe(200);
    expect(bundle.headers['content-type']).toMatch(/javascript/);
    expect((await request(app).get('/docs/assets/swagger-ui.css')).status).toBe(200);
  });

  it('gives every bearer-token route the bearer scheme, and carries the zod schemas\' examples', () => {
    const document = buildOpenApiDocument() as any;
    expect(document.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(document.paths['/users/me/achievements'].get.security).toEqual([{ bearer: [] }]);
    const limits = document.paths['/admin/users/{id}/limits'].put.requestBody.content['application/json'].schema;
    expect(limits.properties.maxBalance.example).toBe(20000);
  });
});
