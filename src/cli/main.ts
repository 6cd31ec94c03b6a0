import { checkConfig } from './check-config.js';
import { apiKey } from './api-key.js';
import { heartbeatToken } from './heartbeat-token.js';

const [command, ...args] = process.argv.slice(2);
switch (command) {
  case 'check-config':
    process.exitCode = checkConfig(args[0]);
    break;
  case 'heartbeat-token':
    process.exitCode = heartbeatToken(args[0]);
    break;
  case 'api-key':
    process.exitCode = apiKey(args);
    break;
  case 'start':
    await import('../server.js');
    break;
  default:
    console.error('usage: outpost <check-config FILE | heartbeat-token PROBE_ID | api-key create NAME | start>');
    process.exitCode = 2;
}
