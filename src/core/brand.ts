// Class checks that hold across two copies of Duro. A user's bundle and the CLI (or a test runner) may each load
// the engine, so an error thrown by one copy's `ApplicationFailure` reaches code that imported the other's; plain
// `instanceof` would say no, and the failure would lose its type and retry policy. Each branded class carries a
// `Symbol.for` key (one registry per JavaScript realm, shared by every copy), and `instanceof` reads that key.

const brandKey = (name: string): symbol => Symbol.for(`duro.brand.${name}`);

/**
 * Brands `cls` as `name` (stable across versions: it is the identity other copies check) and makes
 * `x instanceof cls` true for instances of any copy's class of that name, and of their subclasses.
 * Subclasses that are not branded themselves keep the ordinary prototype check.
 */
export function brandClass(cls: abstract new (...args: never[]) => unknown, name: string): void {
  const key = brandKey(name);
  Object.defineProperty(cls.prototype, key, { value: true, enumerable: false });
  Object.defineProperty(cls, Symbol.hasInstance, {
    value(this: unknown, value: unknown): boolean {
      if (this !== cls) return Function.prototype[Symbol.hasInstance].call(this, value);
      return (typeof value === 'object' || typeof value === 'function') && value !== null && (value as Record<symbol, unknown>)[key] === true;
    },
  });
}
