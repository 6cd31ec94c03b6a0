import { checkConfig } from './check-config.js';
import { heartbeatToken } from './heartbeat-token.js';

const [command, ...args] = process.argv.slice(2);
switch (command) {
  case 'check-config':
    process.exitCode = checkConfig(args[0]);
    break;
  case 'heartbeat-token':
    process.exitCode = heartbeatToken(args[0]);
    break;
  case 'start':
    await import('../server.js');
    break;
  default:
    console.error('usage: outpost <check-config FILE | heartbeat-token PROBE_ID | start>');
    process.exitCode = 2;
}
