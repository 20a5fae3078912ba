/**
 * Every text a blob holds through layers of encoding: the blob itself, and recursively what each
 * run of base64 / base64url in it decodes to (JSON string escapes undone). Tests that assert a
 * secret never reaches a file or a wire search this, so an envelope in a database line in a
 * base64 field cannot hide clear text.
 */
const RUN = /[A-Za-z0-9+/_-]{16,}={0,2}/g;

export function encodedTexts(blob: string, depth = 5): string[] {
  const out = [blob];
  if (depth === 0) return out;
  for (const m of blob.matchAll(RUN)) {
    const run = m[0];
    const decoded = Buffer.from(run, /[-_]/.test(run) ? 'base64url' : 'base64').toString('latin1');
    // Only layers that look like text or JSON are worth descending into.
    if (isText(decoded)) out.push(...encodedTexts(decoded, depth - 1));
  }
  return out;
}

/** Printable ASCII, tabs and newlines only. */
function isText(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (!(c === 9 || c === 10 || c === 13 || (c >= 32 && c <= 126))) return false;
  }
  return true;
}
