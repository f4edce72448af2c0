// Placeholder (helper a23c): the real handler comes from helper a23h at merge.
export async function handler(): Promise<never> {
  throw new Error('not built yet');
}
