// The files `duro check` reads, each parsed once: the ones given, and the relative imports it follows on demand.
import { type Binding } from './check-scopes';
import { type CheckFinding, type Module, parseModule, type SourceText, type Target } from './check-module';

/** Where `./util` may live, in the order tried. */
const IMPORT_SUFFIXES = ['.ts', '.tsx', '.mts', '.js', '.mjs', '/index.ts'];

/** The files given to check and those loaded on demand, each parsed once. */
export class Project {
  readonly #byPath = new Map<string, Module | null>();
  readonly #given: { path: string; source: SourceText }[];
  readonly #readSource: ((fileName: string) => string | undefined) | undefined;

  constructor(sources: SourceText[], readSource: ((fileName: string) => string | undefined) | undefined) {
    this.#given = sources.map((source) => ({ path: normalizePath(source.fileName), source }));
    this.#readSource = readSource;
  }

  /** The given files, parsed, with a finding for each that does not parse. */
  checkedModules(): { modules: Module[]; unparsable: CheckFinding[] } {
    const modules: Module[] = [];
    const unparsable: CheckFinding[] = [];
    for (const { path, source } of this.#given) {
      if (this.#byPath.has(path)) continue;
      const parsed = parseModule(source.fileName, source.text);
      this.#byPath.set(path, 'error' in parsed ? null : parsed);
      if ('error' in parsed) unparsable.push(parsed.error);
      else modules.push(parsed);
    }
    return { modules, unparsable };
  }

  /** `modules` and, transitively, the local modules they re-export from (`export { X } from './x'`, `export * from`). */
  withReexported(modules: Module[]): Module[] {
    const all = [...modules];
    for (let index = 0; index < all.length; index++) {
      const module = all[index]!;
      const sources = [...module.starExports, ...[...module.exports.values()].flatMap((binding) => (binding.kind === 'import' ? [binding.from] : []))];
      for (const source of new Set(sources)) {
        const target = source.startsWith('.') ? this.imported(module, source) : undefined;
        if (target && !all.includes(target)) all.push(target);
      }
    }
    return all;
  }

  /** Parsed modules in the order findings are reported: the given files first, then files loaded for helpers. */
  moduleOrder(): Module[] {
    return [...this.#byPath.values()].filter((module): module is Module => module !== null);
  }

  /** The module a relative import of `from` names, when it is given or `readSource` finds it. */
  imported(from: Module, specifier: string): Module | undefined {
    for (const path of importCandidates(from.fileName, specifier)) {
      const module = this.#moduleAt(path);
      if (module) return module;
    }
    return undefined;
  }

  /** The function a binding stands for, following imports and re-exports across files. */
  resolve(module: Module, binding: Binding, seen = new Set<string>()): Target | undefined {
    if (binding.kind === 'function') return { module, fn: binding.fn, name: binding.name };
    if (binding.kind !== 'import' || binding.imported === '*') return undefined;
    const target = this.imported(module, binding.from);
    return target && this.resolveExport(target, binding.imported, seen);
  }

  resolveExport(module: Module, name: string, seen = new Set<string>()): Target | undefined {
    const key = `${module.fileName}\0${name}`;
    if (seen.has(key)) return undefined; // export * cycles
    seen.add(key);
    const binding = module.exports.get(name);
    if (binding) return this.resolve(module, binding, seen);
    if (name === 'default') return undefined;
    for (const from of module.starExports) {
      const target = this.imported(module, from);
      const found = target && this.resolveExport(target, name, seen);
      if (found) return found;
    }
    return undefined;
  }

  #moduleAt(path: string): Module | undefined {
    if (!this.#byPath.has(path)) {
      const given = this.#given.find((entry) => entry.path === path)?.source;
      const text = given?.text ?? this.#readSource?.(path);
      const parsed = text === undefined ? undefined : parseModule(given?.fileName ?? path, text);
      // A helper file that does not parse is skipped: only the files given to check report parse errors.
      this.#byPath.set(path, parsed && !('error' in parsed) ? parsed : null);
    }
    return this.#byPath.get(path) ?? undefined;
  }
}

/** Paths `specifier` may name, relative to the importing file; none for packages (`duro/workflow`). */
function importCandidates(fromFile: string, specifier: string): string[] {
  if (!/^\.\.?(\/|$)/.test(specifier)) return [];
  const slash = fromFile.replace(/\\/g, '/').lastIndexOf('/');
  const base = normalizePath(`${fromFile.replace(/\\/g, '/').slice(0, slash + 1)}${specifier}`);
  // `./util.js` in TypeScript source names util.ts (the compiler's ESM convention).
  const typed = /\.m?js$/.test(base) ? [base.replace(/\.js$/, '.ts').replace(/\.mjs$/, '.mts'), base.replace(/\.js$/, '.tsx')] : [];
  const exact = /\.[cm]?[jt]sx?$/.test(base) ? [base] : [];
  return [...new Set([...typed, ...exact, ...IMPORT_SUFFIXES.map((suffix) => base + suffix)])];
}

/** `a/./b/../c.ts` → `a/c.ts`, with `/` separators; `..` past the start of a relative path is kept. */
function normalizePath(path: string): string {
  const parts: string[] = [];
  for (const part of path.replace(/\\/g, '/').split('/')) {
    if (part === '.' || (part === '' && parts.length > 0)) continue;
    if (part === '..' && parts.length > 0 && parts.at(-1) !== '..' && parts.at(-1) !== '') parts.pop();
    else parts.push(part);
  }
  return parts.join('/');
}
