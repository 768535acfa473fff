import { runWorkerProcess } from './run';

// Sends webhook deliveries (and fans domain events out to endpoints) from the `webhooks` queue.
runWorkerProcess('webhooks-worker', { relay: false, email: false, letters: false, mailings: false, webhooks: true });
