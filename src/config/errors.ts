export interface ConfigProblem {
  /** Dotted field path, e.g. components[1].depends_on[0]. */
  field: string;
  /** 1-based line in the file, when the field (or its nearest parent) was found in it. */
  line?: number;
  message: string;
}

export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly problems: ConfigProblem[],
  ) {
    super(
      `invalid configuration in ${file}:\n` +
        problems.map((p) => `  ${file}${p.line ? `:${p.line}` : ''}: ${p.field || '(top level)'}: ${p.message}`).join('\n'),
    );
    this.name = 'ConfigError';
  }
}

export function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((out, key) => (typeof key === 'number' ? `${out}[${key}]` : out ? `${out}.${String(key)}` : String(key)), '');
}
