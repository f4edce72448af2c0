/**
 * The optional allow-list of the hosts a case's `link` may point to: checked at synth, given to
 * the steps that validate case details (Open Case, and Assign Case, which writes them).
 */
import { Token, aws_lambda as lambda } from 'aws-cdk-lib';
import { ENV } from './shared/contract';

/** A host name (letters, digits, `-`, dot-separated labels), or `*.` and one for any of its subdomains. */
const HOST = /^(\*\.)?([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
const MAX_LINK_HOSTS = 50;

/** Problems with `linkHosts`, each naming the prop. */
export function linkHostsProblems(hosts: string[] | undefined): string[] {
  if (hosts === undefined) return [];
  const problems: string[] = [];
  if (hosts.length === 0) problems.push('linkHosts: must not be empty (leave it out to allow any http(s) host)');
  if (hosts.length > MAX_LINK_HOSTS) problems.push(`linkHosts: at most ${MAX_LINK_HOSTS} hosts, got ${hosts.length}`);
  hosts.forEach((host, i) => {
    if (Token.isUnresolved(host)) problems.push(`linkHosts[${i}]: must be a literal string (tokens cannot be checked at synth)`);
    else if (!HOST.test(host) || host.length > 253) problems.push(`linkHosts[${i}]: ${JSON.stringify(host)} is not a host name (like tickets.example.com or *.example.com)`);
  });
  return problems;
}

/** Gives the allow-list to the functions that validate case details. */
export function configureLinkHosts(hosts: string[] | undefined, functions: lambda.Function[]): void {
  if (hosts === undefined) return;
  for (const fn of functions) fn.addEnvironment(ENV.LINK_HOSTS, JSON.stringify(hosts.map((h) => h.toLowerCase())));
}
