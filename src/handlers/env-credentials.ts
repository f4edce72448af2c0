/**
 * Bundled in place of `@aws-sdk/credential-provider-node` (esbuild alias in .projenrc.ts).
 *
 * Lambda always hands a function its credentials in AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY /
 * AWS_SESSION_TOKEN, so the default chain's other providers (SSO, INI files, STS web identity,
 * process, container, instance metadata) are dead code there; dropping them cuts the bundle and
 * its load time (see the README's "Performance and cost").
 */
// Bundled into the Lambda assets like the SDK clients (a dev dependency, as they are).
// eslint-disable-next-line import/no-extraneous-dependencies
import { fromEnv } from '@aws-sdk/credential-provider-env';

export const defaultProvider = (_init?: unknown) => fromEnv();
