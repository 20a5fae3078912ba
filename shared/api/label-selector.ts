/**
 * Label selectors with Kubernetes semantics (k8s.io/apimachinery/pkg/labels): `?labelSelector=`
 * text and the `matchLabels`/`matchExpressions` of a spec. Parse errors throw
 * ApiError.badRequest naming `labelSelector`.
 */
import { ApiError } from './errors.js';
import { isRecord } from '../util/guards.js';
import { isQualifiedName, isValidLabelValue } from './validation/names.js';

export type SelectorOperator = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | 'Equals' | 'NotEquals' | 'GreaterThan' | 'LessThan';

export interface LabelRequirement {
  key: string;
  operator: SelectorOperator;
  /** One value for Equals/NotEquals/GreaterThan/LessThan, one or more for In/NotIn, none for the rest. */
  values: string[];
}

/** All requirements must hold. `nothing` is Kubernetes' nil selector, which matches no object. */
export interface LabelSelector {
  requirements: readonly LabelRequirement[];
  nothing?: boolean;
}


class SelectorError extends Error {}

type Token = { kind: 'id' | 'op' | 'end'; text: string };

const SPECIAL = new Set(['=', '!', '(', ')', ',', '>', '<']);
const SYMBOLS = ['==', '!=', '=', '!', '(', ')', ',', '>', '<'];
const WHITESPACE = new Set([' ', '\t', '\r', '\n']);

function lex(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text.charAt(i);
    if (WHITESPACE.has(c)) {
      i++;
    } else if (SPECIAL.has(c)) {
      const sym = SYMBOLS.find((s) => text.startsWith(s, i)) ?? c;
      tokens.push({ kind: 'op', text: sym });
      i += sym.length;
    } else {
      let j = i;
      while (j < text.length && !WHITESPACE.has(text.charAt(j)) && !SPECIAL.has(text.charAt(j))) j++;
      tokens.push({ kind: 'id', text: text.slice(i, j) });
      i = j;
    }
  }
  tokens.push({ kind: 'end', text: '' });
  return tokens;
}

const BINARY_OPERATORS: Record<string, SelectorOperator> = {
  '=': 'Equals',
  '==': 'Equals',
  '!=': 'NotEquals',
  in: 'In',
  notin: 'NotIn',
  '>': 'GreaterThan',
  '<': 'LessThan',
};

/** A recursive-descent parser following Kubernetes' labels.Parser, error texts included. */
class LabelParser {
  private pos = 0;
  constructor(private readonly tokens: Token[]) {}

  private peek(): Token {
    return this.tokens[this.pos] ?? { kind: 'end', text: '' };
  }

  private next(): Token {
    const t = this.peek();
    if (t.kind !== 'end') this.pos++;
    return t;
  }

  parse(): LabelRequirement[] {
    const reqs: LabelRequirement[] = [];
    for (;;) {
      const t = this.peek();
      if (t.kind === 'end') return reqs;
      if (t.kind !== 'id' && t.text !== '!') throw new SelectorError(`found '${t.text}', expected: !, identifier, or 'end of string'`);
      try {
        reqs.push(this.requirement());
      } catch (e: unknown) {
        if (e instanceof SelectorError) throw new SelectorError(`unable to parse requirement: ${e.message}`);
        throw e;
      }
      const after = this.next();
      if (after.kind === 'end') return reqs;
      if (after.text !== ',') throw new SelectorError(`found '${after.text}', expected: ',' or 'end of string'`);
      const following = this.peek();
      if (following.kind !== 'id' && following.text !== '!') {
        throw new SelectorError(`found '${following.text}', expected: identifier after ','`);
      }
    }
  }

  private requirement(): LabelRequirement {
    let negated = false;
    let t = this.next();
    if (t.text === '!' && t.kind === 'op') {
      negated = true;
      t = this.next();
    }
    if (t.kind !== 'id') throw new SelectorError(`found '${t.text}', expected: identifier`);
    const key = t.text;
    const keyErrors = isQualifiedName(key);
    if (keyErrors.length > 0) throw new SelectorError(`invalid label key "${key}": ${keyErrors.join('; ')}`);
    const after = this.peek();
    if (negated || after.kind === 'end' || after.text === ',') {
      return makeRequirement(key, negated ? 'DoesNotExist' : 'Exists', []);
    }
    const opTok = this.next();
    const op = BINARY_OPERATORS[opTok.text];
    if (!op) throw new SelectorError(`found '${opTok.text}', expected: '=', '!=', '==', 'in', 'notin', '>', '<'`);
    const values = op === 'In' || op === 'NotIn' ? this.valueSet() : this.exactValue();
    return makeRequirement(key, op, values);
  }

  private exactValue(): string[] {
    const t = this.peek();
    if (t.kind === 'end' || t.text === ',') return [''];
    this.next();
    if (t.kind === 'id') return [t.text];
    throw new SelectorError(`found '${t.text}', expected: identifier`);
  }

  /** `( v1, v2 )`; empty items are empty strings, as in Kubernetes. */
  private valueSet(): string[] {
    const open = this.next();
    if (open.text !== '(') throw new SelectorError(`found '${open.text}', expected: '('`);
    const values = new Set<string>();
    let expectValue = true;
    for (;;) {
      const t = this.next();
      if (t.kind === 'id' && expectValue) {
        values.add(t.text);
        expectValue = false;
      } else if (t.text === ',') {
        if (expectValue) values.add('');
        expectValue = true;
      } else if (t.text === ')') {
        if (expectValue) values.add('');
        return [...values].sort();
      } else {
        throw new SelectorError(`found '${t.text}', expected: ',', ')' or identifier`);
      }
    }
  }
}

function makeRequirement(key: string, operator: SelectorOperator, values: string[]): LabelRequirement {
  switch (operator) {
    case 'In':
    case 'NotIn':
      if (values.length === 0) throw new SelectorError("for 'in', 'notin' operators, values set can't be empty");
      break;
    case 'Equals':
    case 'NotEquals':
      if (values.length !== 1) throw new SelectorError('exact-match compatible operators require a single value');
      break;
    case 'Exists':
    case 'DoesNotExist':
      if (values.length !== 0) throw new SelectorError("values set must be empty for exists and does not exist");
      break;
    case 'GreaterThan':
    case 'LessThan':
      if (values.length !== 1 || !/^[+-]?\d+$/.test(values[0] ?? '')) {
        throw new SelectorError("for 'Gt', 'Lt' operators, exactly one value is required, and it must be an integer");
      }
      break;
  }
  for (const v of values) {
    const errs = isValidLabelValue(v);
    if (errs.length > 0) throw new SelectorError(`invalid label value: "${v}": at key: "${key}": ${errs.join('; ')}`);
  }
  return { key, operator, values };
}

/** Parses `?labelSelector=`: `a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x)`, `a`, `!a`, `a>1`, comma-joined. */
export function parseLabelSelector(text: string): LabelSelector {
  try {
    return { requirements: new LabelParser(lex(text)).parse() };
  } catch (e: unknown) {
    if (e instanceof SelectorError) throw ApiError.badRequest(e.message, 'labelSelector');
    throw e;
  }
}

const SPEC_OPERATORS: Record<string, SelectorOperator> = { In: 'In', NotIn: 'NotIn', Exists: 'Exists', DoesNotExist: 'DoesNotExist' };

/**
 * Converts a `metav1.LabelSelector` (`matchLabels` + `matchExpressions`) as Kubernetes'
 * LabelSelectorAsSelector does: absent → matches nothing, `{}` → matches everything.
 * Throws ApiError.badRequest (field `selector`) on a malformed one; validation reports those first.
 */
export function labelSelectorFromSpec(sel: unknown): LabelSelector {
  if (sel === undefined || sel === null) return { requirements: [], nothing: true };
  const bad = (msg: string): ApiError => ApiError.badRequest(msg, 'selector');
  if (!isRecord(sel)) throw bad('a label selector must be an object');
  const reqs: LabelRequirement[] = [];
  try {
    const { matchLabels, matchExpressions } = sel;
    if (matchLabels !== undefined && matchLabels !== null) {
      if (!isRecord(matchLabels)) throw new SelectorError('matchLabels must be a map of strings');
      for (const [k, v] of Object.entries(matchLabels)) {
        if (typeof v !== 'string') throw new SelectorError(`matchLabels[${k}] must be a string`);
        const keyErrors = isQualifiedName(k);
        if (keyErrors.length > 0) throw new SelectorError(`invalid label key "${k}": ${keyErrors.join('; ')}`);
        reqs.push(makeRequirement(k, 'Equals', [v]));
      }
    }
    if (matchExpressions !== undefined && matchExpressions !== null) {
      if (!Array.isArray(matchExpressions)) throw new SelectorError('matchExpressions must be a list');
      for (const expr of matchExpressions) {
        if (!isRecord(expr)) throw new SelectorError('each of matchExpressions must be an object');
        const { key, operator, values } = expr;
        if (typeof key !== 'string') throw new SelectorError('matchExpressions key must be a string');
        const op = typeof operator === 'string' ? SPEC_OPERATORS[operator] : undefined;
        if (!op) throw new SelectorError(`${JSON.stringify(operator)} is not a valid label selector operator`);
        const list = values ?? [];
        if (!Array.isArray(list) || !list.every((v): v is string => typeof v === 'string')) {
          throw new SelectorError('matchExpressions values must be a list of strings');
        }
        const keyErrors = isQualifiedName(key);
        if (keyErrors.length > 0) throw new SelectorError(`invalid label key "${key}": ${keyErrors.join('; ')}`);
        reqs.push(makeRequirement(key, op, [...new Set(list)].sort()));
      }
    }
  } catch (e: unknown) {
    if (e instanceof SelectorError) throw bad(e.message);
    throw e;
  }
  return { requirements: reqs };
}

function requirementMatches(r: LabelRequirement, labels: Record<string, string>): boolean {
  const has = Object.hasOwn(labels, r.key);
  const value = labels[r.key];
  switch (r.operator) {
    case 'In':
    case 'Equals':
      return has && r.values.includes(value ?? '');
    case 'NotIn':
    case 'NotEquals':
      return !has || !r.values.includes(value ?? '');
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
    case 'GreaterThan':
    case 'LessThan': {
      if (!has || !/^[+-]?\d+$/.test(value ?? '')) return false;
      const n = Number(value);
      const bound = Number(r.values[0]);
      return r.operator === 'GreaterThan' ? n > bound : n < bound;
    }
  }
}

export function matchesLabels(sel: LabelSelector, labels: Record<string, string> | undefined): boolean {
  if (sel.nothing) return false;
  const set = labels ?? {};
  return sel.requirements.every((r) => requirementMatches(r, set));
}

/** The selector in `kubectl -l` syntax, e.g. for messages and `-o wide` columns. */
export function labelSelectorToString(sel: LabelSelector): string {
  if (sel.nothing) return '<none>';
  return sel.requirements
    .map((r) => {
      switch (r.operator) {
        case 'Equals':
          return `${r.key}=${r.values[0] ?? ''}`;
        case 'NotEquals':
          return `${r.key}!=${r.values[0] ?? ''}`;
        case 'In':
          return `${r.key} in (${r.values.join(',')})`;
        case 'NotIn':
          return `${r.key} notin (${r.values.join(',')})`;
        case 'Exists':
          return r.key;
        case 'DoesNotExist':
          return `!${r.key}`;
        case 'GreaterThan':
          return `${r.key}>${r.values[0] ?? ''}`;
        case 'LessThan':
          return `${r.key}<${r.values[0] ?? ''}`;
      }
    })
    .join(',');
}
