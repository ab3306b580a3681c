import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

/**
 * README.md and docs/: every relative link resolves to a file in the repository (and
 * every `#anchor` to a heading of its page), every `npm run` names a script in
 * package.json, every `authz_*` name exists in the code, and no page points outside
 * the repository or at the project's tracker.
 */
const ROOT = path.resolve(__dirname, '..', '..', '..');

function markdownFiles(): string[] {
  const walk = (dir: string): string[] =>
    readdirSync(dir).flatMap((name) => {
      const full = path.join(dir, name);
      return statSync(full).isDirectory() ? walk(full) : name.endsWith('.md') ? [full] : [];
    });
  return [path.join(ROOT, 'README.md'), ...walk(path.join(ROOT, 'docs'))];
}

/** The text outside fenced code blocks (``` ... ```), where links are links. */
function prose(markdown: string): string {
  return markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '');
}

/** Link and image targets of Markdown text, inline code and code blocks left out. */
function linkTargets(markdown: string): string[] {
  const text = prose(markdown).replace(/`[^`\n]*`/g, '');
  return [...text.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1]!);
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/`/g, '')
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

function anchors(markdown: string): Set<string> {
  return new Set([...prose(markdown).matchAll(/^#{1,6}\s+(.+?)\s*#*$/gm)].map((m) => slug(m[1]!)));
}

/** Problems with one page's relative links: missing files, missing anchors, paths leaving the repository. */
function brokenLinks(file: string, markdown: string, root: string): string[] {
  const problems: string[] = [];
  for (const target of linkTargets(markdown)) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // http:, https:, mailto:
    const [rawPath, anchor] = target.split('#', 2) as [string, string | undefined];
    const resolved = rawPath === '' ? file : path.resolve(path.dirname(file), decodeURIComponent(rawPath));
    const where = `${path.relative(root, file)}: ${target}`;
    if (path.relative(root, resolved).startsWith('..')) {
      problems.push(`${where} points outside the repository`);
    } else if (!existsSync(resolved)) {
      problems.push(`${where} does not exist`);
    } else if (anchor !== undefined && resolved.endsWith('.md') && !anchors(readFileSync(resolved, 'utf8')).has(anchor)) {
      problems.push(`${where}: no heading with that anchor`);
    }
  }
  return problems;
}

describe('the link checker itself', () => {
  const page = path.join(ROOT, 'docs', 'page.md');

  test('finds links and images, but not inside code', () => {
    const text = 'See [ops](operations.md#logs) and ![shot](screenshots/a.png).\n\n```sh\ncurl [x](nowhere.md)\n```\nand `[y](nowhere.md)`.';
    expect(linkTargets(text)).toEqual(['operations.md#logs', 'screenshots/a.png']);
  });

  test('reports a missing file, a missing anchor and a path outside the repository', () => {
    const text = '[a](no-such-page.md) [b](operations.md#no-such-heading) [c](../../elsewhere/x.md) [d](https://example.com/x.md) [e](operations.md#logs)';
    expect(brokenLinks(page, text, ROOT)).toEqual([
      'docs/page.md: no-such-page.md does not exist',
      'docs/page.md: operations.md#no-such-heading: no heading with that anchor',
      'docs/page.md: ../../elsewhere/x.md points outside the repository',
    ]);
  });

  test("makes GitHub's anchors", () => {
    expect(slug('1. Pre-deploy checks (preflight)')).toBe('1-pre-deploy-checks-preflight');
    expect(slug('The `AUTH_MODE` setting')).toBe('the-auth_mode-setting');
  });
});

describe('README.md and docs/', () => {
  const files = markdownFiles();
  const pages = files.map((file) => ({ file, name: path.relative(ROOT, file), text: readFileSync(file, 'utf8') }));

  test('the pages exist', () => {
    expect(pages.map((p) => p.name)).toEqual(expect.arrayContaining(['README.md', 'docs/operations.md', 'docs/architecture.md', 'docs/api.md', 'docs/benchmarks.md']));
  });

  test('every relative link resolves to a file (and heading) in the repository', () => {
    expect(pages.flatMap((p) => brokenLinks(p.file, p.text, ROOT))).toEqual([]);
  });

  test('every `npm run` names a script of package.json', () => {
    const scripts = Object.keys((JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts);
    const used = pages.flatMap((p) => [...p.text.matchAll(/npm run ([a-z][\w:-]*)/g)].map((m) => `${p.name}: ${m[1]}`));
    expect(used.length).toBeGreaterThan(0);
    expect(used.filter((u) => !scripts.includes(u.split(': ')[1]!))).toEqual([]);
  });

  test('every authz_* name (metric, log event, database) exists in the code or the deploy files', () => {
    const sources = ['src', 'deploy', 'bench', 'scripts'].map((dir) => path.join(ROOT, dir));
    const walk = (dir: string): string[] =>
      readdirSync(dir).flatMap((name) => {
        const full = path.join(dir, name);
        if (name === 'generated') return [];
        return statSync(full).isDirectory() ? walk(full) : [readFileSync(full, 'utf8')];
      });
    const code = sources.flatMap(walk).join('\n');
    const named = new Set(pages.flatMap((p) => [...p.text.matchAll(/\bauthz_[a-z0-9_]+/g)].map((m) => m[0].replace(/_(bucket|sum|count)$/, ''))));
    expect(named.size).toBeGreaterThan(0);
    expect([...named].filter((name) => !code.includes(name))).toEqual([]);
  });

  test('no page points outside the repository or speaks of the tracker', () => {
    const offending = pages.flatMap((p) =>
      p.text
        .split('\n')
        .map((line, i) => ({ line, at: `${p.name}:${i + 1}` }))
        .filter(({ line }) => /\.\.\/shared|\/work\/|\bissues?\b/i.test(line))
        .map(({ at, line }) => `${at}: ${line.trim()}`),
    );
    expect(offending).toEqual([]);
  });
});
