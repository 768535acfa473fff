import { startBounceListener } from '../src/modules/bounces';
import { loadConfig } from '../src/platform/config';
import { closePlatform, createPlatform } from '../src/platform/context';
import { onShutdown } from '../src/platform/process';

// `npm run bounces`: the inbound SMTP listener for delivery reports (README "Bounces").
async function main(): Promise<void> {
  const platform = createPlatform(loadConfig(), 'bounces');
  const { BOUNCE_SMTP_HOST: host, BOUNCE_SMTP_PORT: port } = platform.config;
  const listener = await startBounceListener(platform, { host, port });
  platform.logger.info({ host, port: listener.port, domain: platform.returnPaths.domain }, 'bounces listener started');
  onShutdown(platform.logger, [() => listener.close(), () => closePlatform(platform)]);
}

main().catch((error: unknown) => {
  // Before the logger exists (bad configuration, port taken): say why, and exit non-zero.
  console.error(`bounces listener did not start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
