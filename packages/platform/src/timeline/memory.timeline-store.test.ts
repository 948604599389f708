import { MemoryTimelineStore } from './memory.timeline-store.ts';
import { CONTRACT_LIMITS, timelineStoreContract } from './timeline-store.contract.ts';

timelineStoreContract('memory', async () => new MemoryTimelineStore(CONTRACT_LIMITS));
