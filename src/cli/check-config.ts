import { ConfigError } from '../config/errors.js';
import { loadConfigFile } from '../config/load.js';

/** `outpost check-config <file>`: the start-up validation alone; exit 0 when valid, 1 with every problem listed otherwise. */
export function checkConfig(file: string | undefined): number {
  if (!file) {
    console.error('usage: outpost check-config <file>');
    return 2;
  }
  try {
    const { config } = loadConfigFile(file);
    console.log(`${file}: valid (page "${config.page.id}", ${config.components.length} components)`);
    return 0;
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      return 1;
    }
    throw err;
  }
}
