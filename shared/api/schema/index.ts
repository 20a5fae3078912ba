/** The field names Kubernetes defines for the served kinds, and the `fieldValidation` they enable. */
export { unknownFields, type UnknownFieldOptions } from './unknown-fields.js';
export { FieldValidator, IGNORE_FIELDS, parseFieldValidation, warningHeader, type FieldValidation } from './field-validation.js';
export { KIND_SCHEMAS } from './kinds.js';
export type { Schema } from './dsl.js';
