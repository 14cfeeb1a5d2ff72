'use strict';
/**
 * A Serverless Framework v3 plugin of our own, listed after serverless-google-cloudfunctions in
 * serverless.yml. That plugin's last release (4.6.0, 2022) passes `runtime` and `maxInstances`
 * straight to the Cloud Functions API (package/lib/compileFunctions.js), but its config schema
 * knows neither: its runtime list ends at nodejs16 and it never declares `maxInstances`. The
 * framework then warns on every command although the deployment is right.
 *
 * This teaches the schema what the API accepts, and nothing more: the current 1st gen Node.js
 * runtimes, and `maxInstances` as a positive integer. Everything else is still validated by the
 * plugin's own schema, and test/deploy/serverless.test.ts fails on any warning.
 */
const NODE_RUNTIMES = ['nodejs18', 'nodejs20', 'nodejs22'];

class GoogleSchemaExtensions {
  constructor(serverless) {
    const handler = serverless.configSchemaHandler;
    if (serverless.service.provider.name !== 'google') return;
    const runtimes = handler.schema.definitions.cloudFunctionRuntime;
    if (!runtimes || !Array.isArray(runtimes.enum)) {
      throw new serverless.classes.Error('deploy/serverless/googleSchema.cjs: list it after serverless-google-cloudfunctions in serverless.yml');
    }
    for (const runtime of NODE_RUNTIMES) if (!runtimes.enum.includes(runtime)) runtimes.enum.push(runtime);
    handler.defineFunctionProperties('google', {
      properties: { maxInstances: { type: 'integer', minimum: 1 } },
    });
  }
}

module.exports = GoogleSchemaExtensions;
