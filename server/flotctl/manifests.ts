/**
 * Manifests for `apply -f` and `delete -f`: files, directories and stdin,
 * multi-document YAML or JSON, `List` kinds flattened. Every document is
 * checked before anything is returned, so a bad file sends nothing.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { parseAllDocuments, type YAMLError } from 'yaml';
import type { KubeObject } from '../../shared/api/meta.js';
import { errnoCode, errorMessage, isRecord } from '../../shared/util/guards.js';
import { CliError } from './errors.js';

export interface ManifestDoc {
  /** The file the object came from, or `STDIN`. */
  source: string;
  /** 1-based position of the YAML/JSON document in its source. */
  document: number;
  /** 1-based position inside a `List` document's items, when it came from one. */
  item?: number;
  object: KubeObject;
}

export interface ManifestSources {
  /** Reads stdin for `-f -`. */
  readStdin: () => Promise<string>;
  /** Relative paths resolve against this. */
  cwd: string;
}

export const STDIN_SOURCE = 'STDIN';
const MANIFEST_EXTENSIONS = new Set(['.yaml', '.yml', '.json']);

/** Where a document is, for messages: `x.yaml: document 2` or `x.yaml: document 1, item 3`. */
export function docLocation(d: { source: string; document: number; item?: number }): string {
  return `${d.source}: document ${d.document}${d.item === undefined ? '' : `, item ${d.item}`}`;
}

function yamlErrorText(e: YAMLError): string {
  const firstLine = (e.message.split('\n')[0] ?? e.message).replace(/ at line \d+, column \d+:?$/, '').trim();
  const pos = e.linePos?.[0];
  return pos ? `YAML syntax error at line ${pos.line}, column ${pos.col}: ${firstLine}` : `YAML syntax error: ${firstLine}`;
}

function checkObject(v: unknown, where: string): KubeObject {
  if (!isRecord(v)) {
    const what = Array.isArray(v) ? 'a list' : JSON.stringify(v);
    throw new CliError(`${where}: a manifest must be a map with apiVersion, kind and metadata, got ${what}`);
  }
  if (typeof v.apiVersion !== 'string' || v.apiVersion === '') throw new CliError(`${where}: apiVersion is required`);
  if (typeof v.kind !== 'string' || v.kind === '') throw new CliError(`${where}: kind is required`);
  if (!isRecord(v.metadata)) throw new CliError(`${where}: metadata is required (a map with at least name)`);
  if (typeof v.metadata.name !== 'string' || v.metadata.name === '') throw new CliError(`${where}: metadata.name is required`);
  if (v.metadata.namespace !== undefined && typeof v.metadata.namespace !== 'string') {
    throw new CliError(`${where}: metadata.namespace must be a string`);
  }
  return v as KubeObject;
}

/** Parses one source's text into its objects; throws on the first bad document. */
export function parseManifests(text: string, source: string): ManifestDoc[] {
  const docs = parseAllDocuments(text, { prettyErrors: true });
  const list = Array.isArray(docs) ? docs : [docs];
  const out: ManifestDoc[] = [];
  list.forEach((doc, i) => {
    const document = i + 1;
    const where = docLocation({ source, document });
    const err = doc.errors[0];
    if (err) throw new CliError(`${where}: ${yamlErrorText(err)}`);
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (e: unknown) {
      throw new CliError(`${where}: ${errorMessage(e)}`);
    }
    if (value === null || value === undefined) return; // empty document, as between `---` separators
    if (isRecord(value) && typeof value.kind === 'string' && value.kind.endsWith('List') && Array.isArray(value.items)) {
      value.items.forEach((item: unknown, j) => {
        const loc = { source, document, item: j + 1 };
        out.push({ ...loc, object: checkObject(item, docLocation(loc)) });
      });
      return;
    }
    out.push({ source, document, object: checkObject(value, where) });
  });
  return out;
}

async function filesOf(p: string): Promise<string[]> {
  let isDir: boolean;
  try {
    isDir = (await stat(p)).isDirectory();
  } catch (e: unknown) {
    if (errnoCode(e) === 'ENOENT') throw new CliError(`the path "${p}" does not exist`);
    throw new CliError(`cannot read "${p}": ${errorMessage(e)}`);
  }
  if (!isDir) return [p];
  const entries = await readdir(p, { withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && MANIFEST_EXTENSIONS.has(path.extname(e.name).toLowerCase()))
    .map((e) => e.name)
    .sort()
    .map((name) => path.join(p, name));
}

/**
 * Loads every `-f` source in order (`-` = stdin, directories = their
 * *.yaml/*.yml/*.json sorted by name). Throws before returning anything if
 * any document is bad, naming the file and the document.
 */
export async function loadManifests(sources: string[], deps: ManifestSources): Promise<ManifestDoc[]> {
  const out: ManifestDoc[] = [];
  let stdinRead = false;
  for (const src of sources) {
    if (src === '-') {
      if (stdinRead) throw new CliError('-f - (stdin) may be given only once');
      stdinRead = true;
      out.push(...parseManifests(await deps.readStdin(), STDIN_SOURCE));
      continue;
    }
    const resolved = path.resolve(deps.cwd, src);
    for (const file of await filesOf(resolved)) {
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch (e: unknown) {
        throw new CliError(`cannot read "${file}": ${errorMessage(e)}`);
      }
      const shown = path.isAbsolute(src) ? file : path.relative(deps.cwd, file) || file;
      out.push(...parseManifests(text, shown));
    }
  }
  return out;
}
