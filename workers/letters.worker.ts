import { runWorkerProcess } from './run';

// Sends letters to delegations from the `letters` queue (paced per delegation).
runWorkerProcess('letters-worker', { relay: false, email: false, letters: true });
