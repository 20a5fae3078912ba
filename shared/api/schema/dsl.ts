/**
 * A compact description of the fields Kubernetes defines for a type and the JSON type of each
 * leaf: enough to find unknown fields of a request body and ill-typed values. Value rules
 * (formats, enums, ranges) are validation's job.
 */

/** The JSON a leaf holds. */
export type LeafType =
  | 'string'
  | 'integer'
  | 'boolean'
  /** A quantity: a string or a number. */
  | 'quantity'
  /** An int-or-string: a number or a string. */
  | 'intOrString'
  /** `map[string]string`. */
  | 'stringMap'
  /** `map[ResourceName]Quantity`. */
  | 'resourceList'
  /** Anything: free-form subtrees. */
  | 'any';

export type Schema =
  | { readonly type: 'leaf'; readonly value: LeafType }
  | { readonly type: 'list'; readonly items: Schema }
  | { readonly type: 'object'; readonly fields: ReadonlyMap<string, Schema> };

export type FieldList = Readonly<Record<string, Schema>>;

function leaf(value: LeafType): Schema {
  return { type: 'leaf', value };
}

export const str = leaf('string');
export const int = leaf('integer');
export const bool = leaf('boolean');
/** RFC 3339 timestamps (`Time`, `MicroTime`). */
export const time = str;
export const quantity = leaf('quantity');
export const intOrStr = leaf('intOrString');
/** `map[string]string` fields: labels, annotations, nodeSelector, data, … */
export const strMap = leaf('stringMap');
/** `map[ResourceName]Quantity` fields: limits, requests, capacity, … */
export const resourceList = leaf('resourceList');
/** Subtrees whose keys and values are not checked: RawExtension, fieldsV1, sources Flotilla does not run. */
export const freeForm = leaf('any');

export const strs: Schema = { type: 'list', items: str };
export const ints: Schema = { type: 'list', items: int };

export function list(items: Schema): Schema {
  return { type: 'list', items };
}

/** An object with exactly these fields. */
export function fields(list: FieldList): Schema {
  return { type: 'object', fields: new Map(Object.entries(list)) };
}
