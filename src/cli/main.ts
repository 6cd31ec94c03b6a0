import { checkConfig } from './check-config.js';

const [command, ...args] = process.argv.slice(2);
switch (command) {
  case 'check-config':
    process.exitCode = checkConfig(args[0]);
    break;
  case 'start':
    await import('../server.js');
    break;
  default:
    console.error('usage: outpost <check-config FILE | start>');
    process.exitCode = 2;
}
