// Validate JSON documents with Ajv's draft 2020-12 validator at its default settings (strict mode on).
// Usage: node ajv_validate.js SCHEMA.json DOCUMENTS.json, where DOCUMENTS.json is an array of documents.
// Prints a JSON object: {"warnings": [...], "results": [{"valid": bool, "errors": [...]}, ...]}.
// Exit status: 0 when the schema compiled without a strict-mode warning, 3 when it did not compile.
"use strict";
const fs = require("fs");
const Ajv2020 = require("ajv/dist/2020");

const warnings = [];
// The logger only collects what strict mode says; every validation option stays at Ajv's default.
const logger = { log: () => {}, warn: (...a) => warnings.push(a.join(" ")), error: (...a) => warnings.push(a.join(" ")) };
const ajv = new Ajv2020({ logger });
const schema = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
let validate;
try {
  validate = ajv.compile(schema);
} catch (e) {
  process.stdout.write(JSON.stringify({ compileError: e.message, warnings }));
  process.exit(3);
}
const documents = JSON.parse(fs.readFileSync(process.argv[3], "utf8"));
const results = documents.map((doc) => ({ valid: validate(doc), errors: validate.errors || [] }));
process.stdout.write(JSON.stringify({ warnings, results }));
