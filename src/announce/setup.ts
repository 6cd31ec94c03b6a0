import type { Dispatcher } from 'undici';
import type { Config } from '../config/schema.js';
import type { Store } from '../store/index.js';
import type { Clock } from '../util/time.js';
import { Announcer } from './announcer.js';
import { OutboxDispatcher, type DispatchChannel, type DispatchLog } from './dispatcher.js';
import { channelTarget, createChannel } from './registry.js';

export interface AnnounceDeps {
  clock: Clock;
  log: DispatchLog;
  random?: () => number;
  http?: Dispatcher;
}

/**
 * Wires `announce:` together: one channel per entry, the announcer that the store hands to every
 * writer, and the dispatcher it wakes after each enqueue. The store needs the announcer while it is
 * being built, and both need the store: createStore calls attach() with it.
 */
export class AnnounceSetup {
  readonly channels: DispatchChannel[];
  private built: { announcer: Announcer; dispatcher: OutboxDispatcher } | undefined;

  constructor(
    private readonly config: Config,
    private readonly deps: AnnounceDeps,
  ) {
    this.channels = config.announce.map((c) => ({ channel: createChannel(c, { page: config.page }), config: c, threadScope: `${c.type}:${channelTarget(c) ?? ''}` }));
  }

  attach(store: Store): Announcer {
    const { clock, log, random, http } = this.deps;
    const dispatcher = new OutboxDispatcher({ outbox: store.outbox, channels: this.channels, clock, log, random, http });
    const announcer = new Announcer(store, { page: this.config.page, channels: this.config.announce, clock, onEnqueued: () => dispatcher.wake() });
    this.built = { announcer, dispatcher };
    return announcer;
  }

  get announcer(): Announcer {
    return this.require().announcer;
  }

  get dispatcher(): OutboxDispatcher {
    return this.require().dispatcher;
  }

  private require() {
    if (!this.built) throw new Error('announcements are not attached to a store yet');
    return this.built;
  }
}
