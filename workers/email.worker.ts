import { runWorkerProcess } from './run';

// Sends supporters' emails (confirmations) from the `email` queue.
runWorkerProcess('email-worker', { relay: false, email: true, letters: false, mailings: false });
