import type { core } from 'zod';

/**
 * Each field's default as it is written in the environment (`'4000'`, `'true'`), read
 * from the schema itself so .env.example and docs/configuration.md can be checked
 * against it. A field without an entry has no default: unset means something of its own
 * (off, "depends on NODE_ENV", the embedded database...).
 */
export function textDefaults<K extends string>(shape: Readonly<Record<K, core.$ZodType>>): Readonly<Partial<Record<K, string>>> {
  const defaults: Partial<Record<K, string>> = {};
  for (const name of Object.keys(shape) as K[]) {
    const value = defaultOf(shape[name]);
    if (value !== undefined) defaults[name] = String(value);
  }
  return Object.freeze(defaults);
}

/** The value of the `.default()` in a field's chain of pipes (`.transform`) and optionals. */
function defaultOf(field: core.$ZodType): unknown {
  let schema: core.$ZodType | undefined = field;
  while (schema) {
    const def: core.$ZodTypeDef = schema._zod.def;
    if (def.type === 'default') return (def as core.$ZodDefaultDef).defaultValue;
    if (def.type === 'pipe') schema = (def as core.$ZodPipeDef).in;
    else if (def.type === 'optional') schema = (def as core.$ZodOptionalDef).innerType;
    else schema = undefined;
  }
  return undefined;
}
