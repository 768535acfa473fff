import { runWorkerProcess } from './run';

// Moves committed outbox rows to BullMQ. Several relays may run: they skip each other's rows.
runWorkerProcess('outbox-relay', { relay: true, email: false, letters: false });
