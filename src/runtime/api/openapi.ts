// The OpenAPI 3.1 document of the local API, kept as openapi.json beside this file (the source of
// truth, served at /openapi.json and checked against the server by test/integration/api.test.ts).
// Imported as JSON so the esbuild bundle carries it.

import doc from './openapi.json' with { type: 'json' };

export const OPENAPI: Readonly<Record<string, unknown>> = doc;
