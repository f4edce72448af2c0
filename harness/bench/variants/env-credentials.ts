/**
 * Experiment only (bundle-variants.ts): a stand-in for `@aws-sdk/credential-provider-node`
 * that reads credentials from the environment and nothing else. In Lambda the runtime always
 * puts the function's credentials in AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY /
 * AWS_SESSION_TOKEN, so the default chain's other providers (SSO, INI files, STS web identity,
 * process, container, instance metadata, login) are dead code there. Aliasing the package to this
 * file drops them from the bundle.
 */
// A dependency of the SDK clients (through credential-provider-node), not of this project.
// eslint-disable-next-line import/no-extraneous-dependencies
import { fromEnv } from '@aws-sdk/credential-provider-env';

export const defaultProvider = (_init?: unknown) => fromEnv();
