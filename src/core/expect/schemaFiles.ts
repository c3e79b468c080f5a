/**
 * Reading the JSON Schema files `expect: schema PATH` names, once each per
 * expansion; what is wrong with one becomes a diagnostic at the path.
 */
import { describeReadError } from '../language/data/dataFiles';
import type { SchemaLoad } from './expectPlan';

/** A loader reading through `readFile`, with paths made absolute by `absoluteOf`. */
export function schemaLoader(readFile: (absolutePath: string) => string, absoluteOf: (path: string) => string): (path: string) => SchemaLoad {
  const loaded = new Map<string, SchemaLoad>();
  return (path) => {
    const absolute = absoluteOf(path);
    let load = loaded.get(absolute);
    if (!load) {
      load = read(path, absolute, readFile);
      loaded.set(absolute, load);
    }
    return load;
  };
}

function read(path: string, absolute: string, readFile: (absolutePath: string) => string): SchemaLoad {
  let text: string;
  try {
    text = readFile(absolute);
  } catch (error) {
    const why = describeReadError(error);
    return { ok: false, message: `cannot read the schema file ${path}: ${why === 'this is a folder, not a data file' ? 'this is a folder' : why}` };
  }
  let schema: unknown;
  try {
    schema = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text) as unknown;
  } catch (error) {
    return { ok: false, message: `the schema file ${path} is not JSON: ${error instanceof Error ? error.message : String(error)}` };
  }
  if (typeof schema !== 'boolean' && (typeof schema !== 'object' || schema === null || Array.isArray(schema))) {
    return { ok: false, message: `the schema file ${path} is not a JSON Schema: a schema is an object (or true/false)` };
  }
  return { ok: true, schema };
}
