/**
 * Bundled in place of `@aws-sdk/credential-provider-node` (esbuild alias in .projenrc.ts).
 *
 * Lambda always hands a function its credentials in AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY /
 * AWS_SESSION_TOKEN, so the default chain's other providers (SSO, INI files, STS web identity,
 * process, container, instance metadata) are dead code there; dropping them cuts the bundle and
 * its load time (see the README's "Performance and cost").
 */
import { fromEnv } from '@aws-sdk/credential-provider-env';

export const defaultProvider = (_init?: unknown) => fromEnv();
