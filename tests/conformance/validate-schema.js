#!/usr/bin/env node
// Validates a Pulumi package schema (default: the repo-root schema.json) against Pulumi's package
// metaschema (pulumi-package-metaschema.json beside this file; JSON Schema draft 2020-12) with ajv.
//
//   node validate-schema.js [schema.json]
//
// Exits 0 and prints one JSON line when valid; exits 1 listing every violation otherwise.
'use strict';

const fs = require('fs');
const path = require('path');
const Ajv2020 = require('ajv/dist/2020');

function load(file, what) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    console.error(`validate-schema: FAIL cannot read the ${what} ${file}: ${e.message}`);
    process.exit(1);
  }
}

const schemaPath = path.resolve(process.argv[2] || path.join(__dirname, '..', '..', 'schema.json'));
const metaschema = load(path.join(__dirname, 'pulumi-package-metaschema.json'), 'metaschema');
const schema = load(schemaPath, 'package schema');

// strict: false because the metaschema has keywords ajv's strict mode rejects. The two formats it uses are
// defined here rather than pulling in ajv-formats: "regex" must compile (JS syntax, close to Go's RE2 for
// the patterns Pulumi uses) and "uri-reference" must be a string without whitespace.
const ajv = new Ajv2020({ allErrors: true, strict: false });
ajv.addFormat('regex', {
  type: 'string',
  validate: (s) => { try { new RegExp(s); return true; } catch { return false; } },
});
ajv.addFormat('uri-reference', { type: 'string', validate: (s) => !/\s/.test(s) });
const validate = ajv.compile(metaschema);
if (validate(schema)) {
  console.log(JSON.stringify({
    ok: true,
    schema: path.basename(schemaPath),
    name: schema.name,
    resources: Object.keys(schema.resources || {}),
    functions: Object.keys(schema.functions || {}),
    configVariables: Object.keys((schema.config && schema.config.variables) || {}).length,
  }));
  process.exit(0);
}
console.error(`validate-schema: FAIL ${schemaPath} does not satisfy Pulumi's package metaschema:`);
for (const err of validate.errors) {
  console.error(`  - ${err.instancePath || '/'} ${err.message}${err.params ? ' ' + JSON.stringify(err.params) : ''}`);
}
console.log(JSON.stringify({ ok: false, errors: validate.errors.length }));
process.exit(1);
