/** JSON Patch (RFC 6902), the `application/json-patch+json` PATCH body, with JSON Pointers (RFC 6901). */

import { ApiError } from '../api/errors.js';
import { isRecord } from '../util/guards.js';
import { cloneJson, deleteKey, getKey, hasKey, jsonEqual, setKey } from './json.js';

type OpName = 'add' | 'remove' | 'replace' | 'move' | 'copy' | 'test';

const OP_NAMES: readonly string[] = ['add', 'remove', 'replace', 'move', 'copy', 'test'];

interface Operation {
  op: OpName;
  path: string[];
  rawPath: string;
  from: string[];
  rawFrom: string;
  value: unknown;
}

/** An operation that is well formed but cannot be applied to this document; `field` is relative to the op. */
class OpFailure extends Error {
  constructor(
    message: string,
    readonly field: 'path' | 'from' | 'value',
  ) {
    super(message);
  }
}

/**
 * Applies the operations in order to a copy of `target` and returns the result: all or
 * nothing, inputs untouched. A malformed patch document is a 400 naming the member at
 * fault (`[2].path`); an operation that cannot apply (missing path, failed `test`) is a
 * 422 naming the operation's index.
 */
export function applyJsonPatch(target: unknown, ops: unknown): unknown {
  const operations = parseOperations(ops);
  let doc = cloneJson(target);
  operations.forEach((op, i) => {
    try {
      doc = applyOperation(doc, op);
    } catch (e: unknown) {
      if (!(e instanceof OpFailure)) throw e;
      const at = e.field === 'from' ? op.rawFrom : op.rawPath;
      const message = `json patch operation [${i}] (${op.op} "${at}"): ${e.message}`;
      throw new ApiError(422, 'Invalid', message, {
        causes: [{ reason: 'FieldValueInvalid', message: e.message, field: `[${i}].${e.field}` }],
      });
    }
  });
  return doc;
}

function parseOperations(ops: unknown): Operation[] {
  if (!Array.isArray(ops)) throw ApiError.badRequest('a JSON patch must be an array of operations');
  return ops.map((raw: unknown, i): Operation => {
    const at = `[${i}]`;
    if (!isRecord(raw)) throw ApiError.badRequest('each operation must be an object', at);
    const op = getKey(raw, 'op');
    if (typeof op !== 'string' || !OP_NAMES.includes(op)) {
      throw ApiError.badRequest(`op must be one of ${OP_NAMES.join(', ')}`, `${at}.op`);
    }
    const name = op as OpName;
    const rawPath = getKey(raw, 'path');
    const path = parsePointer(rawPath, `${at}.path`);
    let from: string[] = [];
    let rawFrom = '';
    if (name === 'move' || name === 'copy') {
      from = parsePointer(getKey(raw, 'from'), `${at}.from`);
      rawFrom = getKey(raw, 'from') as string;
    }
    if ((name === 'add' || name === 'replace' || name === 'test') && !hasKey(raw, 'value')) {
      throw ApiError.badRequest(`a "${name}" operation requires a value`, `${at}.value`);
    }
    return { op: name, path, rawPath: rawPath as string, from, rawFrom, value: cloneJson(getKey(raw, 'value')) };
  });
}

/** Splits a JSON Pointer into unescaped reference tokens; "" is the whole document. */
function parsePointer(pointer: unknown, field: string): string[] {
  if (typeof pointer !== 'string') throw ApiError.badRequest('must be a JSON pointer string', field);
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw ApiError.badRequest(`JSON pointer "${pointer}" must start with "/"`, field);
  return pointer
    .slice(1)
    .split('/')
    .map((token) => {
      if (/~(?![01])/.test(token)) throw ApiError.badRequest(`JSON pointer "${pointer}" has an invalid ~ escape`, field);
      // ~1 before ~0, so that "~01" decodes to "~1" (RFC 6901 section 4).
      return token.replace(/~1/g, '/').replace(/~0/g, '~');
    });
}

function applyOperation(doc: unknown, op: Operation): unknown {
  switch (op.op) {
    case 'add':
      return add(doc, op.path, cloneJson(op.value));
    case 'remove':
      return remove(doc, op.path, 'path');
    case 'replace':
      return replace(doc, op.path, cloneJson(op.value));
    case 'move': {
      if (isProperPrefix(op.from, op.path)) throw new OpFailure('cannot move a value into one of its own children', 'from');
      const value = get(doc, op.from, 'from');
      return add(remove(doc, op.from, 'from'), op.path, value);
    }
    case 'copy':
      return add(doc, op.path, cloneJson(get(doc, op.from, 'from')));
    case 'test':
      if (!jsonEqual(get(doc, op.path, 'path'), op.value)) {
        throw new OpFailure('test failed: the value differs from the one given', 'value');
      }
      return doc;
  }
}

function isProperPrefix(prefix: string[], path: string[]): boolean {
  return prefix.length < path.length && prefix.every((t, i) => t === path[i]);
}

function pointerOf(tokens: string[]): string {
  return tokens.map((t) => `/${t.replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
}

function arrayIndex(token: string, length: number, allowEnd: boolean): number | undefined {
  if (allowEnd && token === '-') return length;
  if (!/^(0|[1-9][0-9]*)$/.test(token)) return undefined;
  const i = Number(token);
  return i < length || (allowEnd && i === length) ? i : undefined;
}

function get(doc: unknown, tokens: string[], field: 'path' | 'from'): unknown {
  let cur = doc;
  for (const [depth, token] of tokens.entries()) {
    if (Array.isArray(cur)) {
      const i = arrayIndex(token, cur.length, false);
      if (i !== undefined) {
        cur = cur[i];
        continue;
      }
    } else if (isRecord(cur) && hasKey(cur, token)) {
      cur = cur[token];
      continue;
    }
    throw new OpFailure(`"${pointerOf(tokens.slice(0, depth + 1))}" does not exist`, field);
  }
  return cur;
}

/** The container that holds the last token, which must exist. */
function parentOf(doc: unknown, tokens: string[], field: 'path' | 'from'): unknown {
  const parent = get(doc, tokens.slice(0, -1), field);
  if (!Array.isArray(parent) && !isRecord(parent)) {
    throw new OpFailure(`"${pointerOf(tokens.slice(0, -1))}" is not an object or an array`, field);
  }
  return parent;
}

function add(doc: unknown, tokens: string[], value: unknown): unknown {
  const last = tokens.at(-1);
  if (last === undefined) return value;
  const parent = parentOf(doc, tokens, 'path');
  if (Array.isArray(parent)) {
    const i = arrayIndex(last, parent.length, true);
    if (i === undefined) throw new OpFailure(`array index "${last}" is out of range for "${pointerOf(tokens)}"`, 'path');
    parent.splice(i, 0, value);
  } else if (isRecord(parent)) {
    setKey(parent, last, value);
  }
  return doc;
}

function remove(doc: unknown, tokens: string[], field: 'path' | 'from'): unknown {
  const last = tokens.at(-1);
  if (last === undefined) throw new OpFailure('cannot remove the whole document', field);
  const parent = parentOf(doc, tokens, field);
  if (Array.isArray(parent)) {
    const i = arrayIndex(last, parent.length, false);
    if (i === undefined) throw new OpFailure(`"${pointerOf(tokens)}" does not exist`, field);
    parent.splice(i, 1);
  } else if (isRecord(parent)) {
    if (!hasKey(parent, last)) throw new OpFailure(`"${pointerOf(tokens)}" does not exist`, field);
    deleteKey(parent, last);
  }
  return doc;
}

function replace(doc: unknown, tokens: string[], value: unknown): unknown {
  const last = tokens.at(-1);
  if (last === undefined) return value;
  const parent = parentOf(doc, tokens, 'path');
  if (Array.isArray(parent)) {
    const i = arrayIndex(last, parent.length, false);
    if (i === undefined) throw new OpFailure(`"${pointerOf(tokens)}" does not exist`, 'path');
    parent[i] = value;
  } else if (isRecord(parent)) {
    if (!hasKey(parent, last)) throw new OpFailure(`"${pointerOf(tokens)}" does not exist`, 'path');
    setKey(parent, last, value);
  }
  return doc;
}
