// The one SHA-256 helper (Web Crypto): principals, cache keys and coalescing keys all use it, so
// they agree on encoding (UTF-8 in, 64 lower-case hex digits out).

const encoder = new TextEncoder();

/** Hex SHA-256 of a text's UTF-8 bytes (64 lower-case hex digits). */
export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', encoder.encode(text));
  let hex = '';
  for (const byte of new Uint8Array(digest)) hex += byte.toString(16).padStart(2, '0');
  return hex;
}
