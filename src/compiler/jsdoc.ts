/**
 * JSDoc blocks for generated code. Text from a contract is data, not code: it is escaped so that it can
 * neither end the comment nor open a JSDoc tag, and it is wrapped to a fixed width.
 */

/** Generated comments are wrapped to this many columns (indentation included); longer words stay whole. */
export const COMMENT_WIDTH = 100;

/** Escapes text for the inside of a block comment: a star-slash cannot end it, `{@` cannot open an inline tag. */
function escapeComment(s: string): string {
  return s.replace(/\*\//g, '*\\/').replace(/\{@/g, '{\\@');
}

/** A line whose first word starts with `@` would open a JSDoc tag; `\@` shows as `@` in Markdown hovers. */
function guardTag(line: string): string {
  return line.replace(/^(\s*)@/, '$1\\@');
}

/** Greedy word wrap to `width`; list items continue with two spaces of hanging indentation. */
function wrap(line: string, width: number): string[] {
  const hanging = /^(?:[-*•]|\d+[.)]) /u.test(line) ? '  ' : '';
  const out: string[] = [];
  let current = '';
  for (const word of line.split(' ')) {
    if (!current) current = out.length ? `${hanging}${word}` : word;
    else if (current.length + 1 + word.length <= width) current += ` ${word}`;
    else {
      out.push(current);
      current = `${hanging}${word}`;
    }
  }
  out.push(current);
  return out;
}

/**
 * A JSDoc block at `indent` (ending in a newline): the sections (each normalised text of logical lines,
 * see normaliseDocumentation) separated by an empty comment line; undefined and empty sections are left
 * out. A one-line comment when everything fits in one line; '' when there is nothing to say.
 */
export function jsdoc(sections: readonly (string | undefined)[], indent = ''): string {
  return block('/**', sections, indent);
}

/** As jsdoc, but a plain block comment (`/*`), for what documents a file rather than a declaration. */
export function blockComment(sections: readonly (string | undefined)[]): string {
  return block('/*', sections, '');
}

function block(opener: string, sections: readonly (string | undefined)[], indent: string): string {
  const width = Math.max(40, COMMENT_WIDTH - indent.length - 3);
  const lines: string[] = [];
  for (const section of sections) {
    if (!section) continue;
    if (lines.length) lines.push('');
    for (const logical of escapeComment(section).split('\n')) {
      if (!logical) lines.push('');
      else lines.push(...wrap(logical, width).map(guardTag));
    }
  }
  if (!lines.length) return '';
  if (lines.length === 1 && indent.length + opener.length + lines[0]!.length + 4 <= COMMENT_WIDTH) return `${indent}${opener} ${lines[0]} */\n`;
  return `${indent}${opener}\n${lines.map((l) => (l ? `${indent} * ${l}` : `${indent} *`)).join('\n')}\n${indent} */\n`;
}
