// Valid request values made from the document's own schemas, so the
// contract run follows the config: a new collection or field is exercised
// without editing the test.
let counter = 0;
const unique = () => `${Date.now().toString(36)}${(counter++).toString(36)}`;

export function resolve(doc, schema) {
  while (schema && schema.$ref) {
    const path = schema.$ref.replace(/^#\//, '').split('/');
    schema = path.reduce((node, key) => node[key], doc);
  }
  return schema;
}

function firstType(schema) {
  return Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
}

// One valid value of the schema: the first enum value, a fresh string (so
// unique fields stay unique), now for timestamps.
export function valueFor(doc, schema, name = '') {
  schema = resolve(doc, schema) ?? {};
  if (schema.enum) return schema.enum.find((v) => v !== null);
  if (schema.const !== undefined) return schema.const;
  switch (firstType(schema)) {
    case 'integer': return Math.max(schema.minimum ?? 1, 1);
    case 'number': return 1.5;
    case 'boolean': return true;
    case 'string':
      if (schema.format === 'date-time') return new Date().toISOString().replace(/\.\d+Z$/, 'Z');
      return `${name || 'v'}-${unique()}`;
    case 'array': return [];
    case 'object': return {};
    default: return { note: 'any JSON' };
  }
}

// A body with every property the schema has (required or not).
export function fullBody(doc, schemaRef) {
  const schema = resolve(doc, schemaRef);
  const body = {};
  for (const [name, prop] of Object.entries(schema.properties ?? {})) body[name] = valueFor(doc, prop, name);
  return body;
}

// The value a query filter on the parameter accepts: eq (bare) of a valid value.
export function filterValue(doc, param, row) {
  const v = row?.[param.name];
  if (v !== undefined && v !== null && typeof v !== 'object') return String(v);
  return 'is.null';
}
