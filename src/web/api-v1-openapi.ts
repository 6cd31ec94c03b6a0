import { z } from 'zod';
import { componentBody, incidentBody, updateBody } from './api-v1-schemas.js';

/** OpenAPI 3.1 description of the management API, with request schemas generated from the zod schemas that validate them. */
export function openApiDocument(pageId: string) {
  const schema = (s: z.ZodType) => z.toJSONSchema(s, { io: 'input', unrepresentable: 'any' });
  const wrap = (key: string, s: z.ZodType) => ({ type: 'object', required: [key], properties: { [key]: schema(s) } });
  const json = (s: object) => ({ content: { 'application/json': { schema: s } } });
  const ok = (description: string) => ({ description, content: { 'application/json': {} } });
  const errors = {
    '401': { description: 'missing, unknown or revoked API key' },
    '404': { description: 'no such page, incident, update or component' },
    '422': { description: 'invalid body: the message names each field and what was expected' },
  };
  const id = { name: 'id', in: 'path', required: true, schema: { type: 'string' } };
  const page = { name: 'page_id', in: 'path', required: true, schema: { type: 'string', enum: [pageId] } };
  return {
    openapi: '3.1.0',
    info: { title: 'Outpost management API', version: '1', description: 'Shaped after Atlassian Statuspage management API v1 for incidents, incident updates and components.' },
    components: { securitySchemes: { oauth: { type: 'apiKey', in: 'header', name: 'Authorization', description: '"OAuth <key>" or "Bearer <key>"' } } },
    security: [{ oauth: [] }],
    paths: {
      '/api/v1/pages/{page_id}/incidents': {
        parameters: [page],
        get: { summary: 'List incidents and maintenances, newest first', parameters: [{ name: 'limit', in: 'query', schema: { type: 'integer', maximum: 100 } }, { name: 'page', in: 'query', schema: { type: 'integer' } }], responses: { '200': ok('incidents'), ...errors } },
        post: { summary: 'Create an incident (or a maintenance, with scheduled_for and scheduled_until)', requestBody: json(wrap('incident', incidentBody)), responses: { '201': ok('the incident'), ...errors } },
      },
      '/api/v1/pages/{page_id}/incidents/{id}': {
        parameters: [page, id],
        get: { summary: 'Get an incident', responses: { '200': ok('the incident'), ...errors } },
        patch: { summary: 'Update an incident: a new update when status or body is given', requestBody: json(wrap('incident', incidentBody.partial())), responses: { '200': ok('the incident'), ...errors } },
        delete: { summary: 'Delete an incident', responses: { '200': ok('the deleted incident'), ...errors } },
      },
      '/api/v1/pages/{page_id}/incidents/{id}/incident_updates': {
        parameters: [page, id],
        get: { summary: 'List the updates of an incident, newest first', responses: { '200': ok('updates'), ...errors } },
      },
      '/api/v1/pages/{page_id}/incidents/{id}/incident_updates/{update_id}': {
        parameters: [page, id, { name: 'update_id', in: 'path', required: true, schema: { type: 'string' } }],
        patch: { summary: "Correct an update's text", requestBody: json(wrap('incident_update', updateBody)), responses: { '200': ok('the update'), ...errors } },
      },
      '/api/v1/pages/{page_id}/components': {
        parameters: [page],
        get: { summary: 'List components', responses: { '200': ok('components'), ...errors } },
      },
      '/api/v1/pages/{page_id}/components/{id}': {
        parameters: [page, id],
        get: { summary: 'Get a component', responses: { '200': ok('the component'), ...errors } },
        patch: { summary: 'Set a component status by hand (wins over automation until {"automated": true})', requestBody: json(wrap('component', componentBody)), responses: { '200': ok('the component'), ...errors } },
      },
    },
  };
}
