/** apps/v1 ControllerRevision: a snapshot (`data`) and its `revision` number. */
import type { FieldReader } from './reader.js';
import { required } from './field-errors.js';

export function validateControllerRevision(obj: FieldReader): void {
  if (!obj.has('data')) obj.errs.push(required(obj.at('data'), 'data is mandatory'));
  if (!obj.has('revision')) obj.errs.push(required(obj.at('revision')));
  else obj.nonNegativeInt('revision');
}
