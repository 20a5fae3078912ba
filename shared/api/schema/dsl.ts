/**
 * A compact description of which field names Kubernetes defines for a type: enough to find
 * the unknown fields of a request body, nothing about value types (validation checks those).
 */

export type Schema =
  /** A value whose inside is not checked: scalars, maps (any keys) and free-form subtrees. */
  | { readonly type: 'leaf' }
  | { readonly type: 'list'; readonly items: Schema }
  | { readonly type: 'object'; readonly fields: ReadonlyMap<string, Schema> };

export type FieldList = Readonly<Record<string, Schema>>;

const LEAF: Schema = { type: 'leaf' };

export const str = LEAF;
export const int = LEAF;
export const bool = LEAF;
/** RFC 3339 timestamps (`Time`, `MicroTime`). */
export const time = LEAF;
export const quantity = LEAF;
export const intOrStr = LEAF;
/** `map[string]string` fields: labels, annotations, nodeSelector, data, … */
export const strMap = LEAF;
/** `map[ResourceName]Quantity` fields: limits, requests, capacity, … */
export const resourceList = LEAF;
/** Subtrees whose keys are not checked: RawExtension, fieldsV1, sources Flotilla does not run. */
export const freeForm = LEAF;

export const strs: Schema = { type: 'list', items: LEAF };
export const ints: Schema = strs;

export function list(items: Schema): Schema {
  return { type: 'list', items };
}

/** An object with exactly these fields. */
export function fields(list: FieldList): Schema {
  return { type: 'object', fields: new Map(Object.entries(list)) };
}
