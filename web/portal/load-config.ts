import { portalConfigOf, type PortalConfig } from './config';

/** `config.json` beside index.html. */
export async function loadPortalConfig(): Promise<PortalConfig> {
  const res = await fetch(new URL('config.json', document.baseURI), { cache: 'no-store' });
  if (!res.ok) throw new Error(`config.json: ${res.status} ${res.statusText}`);
  return portalConfigOf(await res.json());
}
