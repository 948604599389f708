// Enough of the Dockerfile and .dockerignore grammar to check the image's rules without a Docker engine.

export interface Instruction {
  keyword: string;
  /** The text after the keyword, continuation lines joined. */
  args: string;
  line: number;
}

export interface Stage {
  name: string | null;
  /** As written after FROM, with global ARGs substituted: an image or an earlier stage's name. */
  from: string;
  instructions: Instruction[];
}

export interface Dockerfile {
  globalArgs: Record<string, string>;
  stages: Stage[];
}

function logicalLines(text: string): { text: string; line: number }[] {
  const out: { text: string; line: number }[] = [];
  let current: { text: string; line: number } | null = null;
  text.split('\n').forEach((raw, i) => {
    const trimmed = raw.trim();
    // Comments and blank lines vanish, even inside a continued instruction.
    if (trimmed === '' || trimmed.startsWith('#')) return;
    const continues = trimmed.endsWith('\\');
    const piece = continues ? trimmed.slice(0, -1).trim() : trimmed;
    current = current ? { ...current, text: `${current.text} ${piece}` } : { text: piece, line: i + 1 };
    if (!continues) {
      out.push(current);
      current = null;
    }
  });
  if (current) out.push(current);
  return out;
}

const substitute = (value: string, vars: Record<string, string>) =>
  value.replace(
    /\$\{(\w+)\}|\$(\w+)/g,
    (_m, a: string | undefined, b: string | undefined) => vars[a ?? b!] ?? '',
  );

export function parseDockerfile(text: string): Dockerfile {
  const globalArgs: Record<string, string> = {};
  const stages: Stage[] = [];
  for (const { text: lineText, line } of logicalLines(text)) {
    const match = /^(\w+)\s*(.*)$/.exec(lineText);
    if (!match) throw new Error(`line ${line}: not an instruction`);
    const keyword = match[1]!.toUpperCase();
    const args = match[2]!;
    if (keyword === 'FROM') {
      const words = args.split(/\s+/).filter((w) => !w.startsWith('--'));
      const named = words.length === 3 && words[1]!.toUpperCase() === 'AS';
      stages.push({
        name: named ? words[2]! : null,
        from: substitute(words[0]!, globalArgs),
        instructions: [],
      });
    } else if (stages.length === 0) {
      if (keyword !== 'ARG') throw new Error(`line ${line}: ${keyword} before the first FROM`);
      const [name, value = ''] = args.split('=', 2);
      globalArgs[name!.trim()] = value.trim();
    } else {
      stages.at(-1)!.instructions.push({ keyword, args, line });
    }
  }
  return { globalArgs, stages };
}

/** The stages a stage builds on, itself first, down to the one FROM an image. */
export function stageChain(file: Dockerfile, stage: Stage): Stage[] {
  const chain = [stage];
  for (;;) {
    const current = chain.at(-1)!;
    const parent = file.stages.find(
      (s) => s.name === current.from && file.stages.indexOf(s) < file.stages.indexOf(current),
    );
    if (!parent) return chain;
    chain.push(parent);
  }
}

/** Every instruction that ran to make a stage, in order, its parents' first. */
export function instructionsOf(file: Dockerfile, stage: Stage): Instruction[] {
  return stageChain(file, stage)
    .reverse()
    .flatMap((s) => s.instructions);
}

/** An exec-form argument (`["node", "x"]`) as its array; null for the shell form. */
export function execForm(args: string): string[] | null {
  const body = args.replace(/^(--\S+\s+)*/, '').trim();
  if (!body.startsWith('[')) return null;
  return JSON.parse(body) as string[];
}

export interface Copy {
  from: string | null;
  sources: string[];
  dest: string;
}

export function parseCopy(instruction: Instruction): Copy {
  const words = instruction.args.split(/\s+/);
  const flags = words.filter((w) => w.startsWith('--'));
  const paths = words.filter((w) => !w.startsWith('--'));
  const from = flags.find((f) => f.startsWith('--from='))?.slice('--from='.length) ?? null;
  return { from, sources: paths.slice(0, -1), dest: paths.at(-1)! };
}

function globToRegex(pattern: string): RegExp {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (pattern.startsWith('**/', i)) {
      out += '(?:.*/)?';
      i += 2;
    } else if (pattern.startsWith('**', i)) {
      out += '.*';
      i += 1;
    } else if (ch === '*') out += '[^/]*';
    else if (ch === '?') out += '[^/]';
    else out += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${out}$`);
}

/** Whether the build context leaves out a path, as .dockerignore rules (last match wins) say. */
export function dockerIgnores(ignoreFile: string, path: string): boolean {
  const rules = ignoreFile
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => ({
      exclude: !l.startsWith('!'),
      re: globToRegex(l.replace(/^!/, '').replace(/^\/+|\/+$/g, '')),
    }));
  const parts = path.split('/');
  // A rule that matches a folder leaves out everything inside it.
  const prefixes = parts.map((_p, i) => parts.slice(0, i + 1).join('/'));
  let ignored = false;
  for (const rule of rules) if (prefixes.some((p) => rule.re.test(p))) ignored = rule.exclude;
  return ignored;
}
