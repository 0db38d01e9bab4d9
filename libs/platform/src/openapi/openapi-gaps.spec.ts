// A route added to any controller enters the OpenAPI document, the route table and the gap check
// without anything else being edited; a route that declares no roles or documents no answer is named
// as a gap (the e2e suite asserts the application has none).
import { Body, Controller, Get, Module, Post, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { ApiProperty } from '@nestjs/swagger';
import { IsInt, Max, Min } from 'class-validator';
import { Roles } from '../auth/roles';
import { ApiAnswer, ApiRefusals } from './api-answers';
import { apiRoutes } from './api-routes';
import { buildOpenApiDocument } from './openapi-document';
import { openApiGaps } from './openapi-gaps';
import { renderRoutesTable } from './routes-table';

class WidgetDto {
  @ApiProperty() @IsInt() @Min(1) @Max(9) size!: number;
}

@Controller({ path: 'widgets', version: '1' })
class WidgetController {
  @Post()
  @Roles('ingest')
  @ApiAnswer(201, 'Widget')
  create(@Body() body: WidgetDto) {
    return body;
  }

  @Get(':widgetId')
  @Roles('support')
  @ApiAnswer(200, 'Widget')
  @ApiRefusals({ 404: 'No such widget.' })
  one() {
    return {};
  }

  // Freshly added, nothing declared: the gap check must name it.
  @Get(':widgetId/parts')
  parts() {
    return [];
  }
}

@Module({ controllers: [WidgetController] })
class WidgetModule {}

describe('openApiGaps', () => {
  let app: INestApplication;

  beforeAll(async () => {
    app = await NestFactory.create(WidgetModule, new FastifyAdapter(), { logger: false });
    app.enableVersioning();
    await app.init();
  });

  afterAll(async () => {
    await app.close();
  });

  const widget = { Widget: { type: 'object' as const, properties: { size: { type: 'integer' as const } } }, Problem: { type: 'object' as const } };

  it('documents every route of every controller, with roles, answers and the refusals of its shape', () => {
    const document = buildOpenApiDocument(app, { schemas: widget });
    const create = document.paths['/v1/widgets']?.post as unknown as Record<string, unknown>;
    expect(create['x-roles']).toEqual(['ingest']);
    expect(Object.keys(create.responses as object).sort()).toEqual(['201', '400', '401', '403', '406', '413', '415', '503']);
    const one = document.paths['/v1/widgets/{widgetId}']?.get as unknown as Record<string, unknown>;
    expect(Object.keys(one.responses as object).sort()).toEqual(['200', '400', '401', '403', '404', '406', '503']);
    // The validator's limits reach the request schema; integers are integers.
    expect((document.components?.schemas?.WidgetDto as { properties: Record<string, unknown> }).properties.size).toMatchObject({ type: 'integer', minimum: 1, maximum: 9 });
  });

  it('names a route without roles or a documented answer, and only that one', () => {
    const document = buildOpenApiDocument(app, { schemas: widget });
    expect(openApiGaps(document, apiRoutes(app))).toEqual([
      'GET /v1/widgets/{widgetId}/parts: declares no roles (@Roles(...) or @Public())',
      "GET /v1/widgets/{widgetId}/parts: answer 200 has no schema (@ApiAnswer(200, 'TypeName'))",
    ]);
  });

  it('names an answer schema the document does not hold', () => {
    expect(openApiGaps(buildOpenApiDocument(app, { schemas: { Problem: { type: 'object' } } }), apiRoutes(app))).toContain('paths./v1/widgets.post.responses.201.content.application/json.schema: $ref #/components/schemas/Widget names no schema of the document');
  });

  it('puts every route in the route table, an undeclared one marked as such', () => {
    const table = renderRoutesTable(apiRoutes(app), buildOpenApiDocument(app, { schemas: widget }));
    expect(table.split('\n').slice(2)).toEqual([
      '| `POST /v1/widgets` | ingest |  |',
      '| `GET /v1/widgets/{widgetId}` | support |  |',
      '| `GET /v1/widgets/{widgetId}/parts` | **undeclared** |  |',
    ]);
  });
});
